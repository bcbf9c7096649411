#ifndef TANDEM_CLDAP_SHIM_H
#define TANDEM_CLDAP_SHIM_H
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <lber.h>
#endif
