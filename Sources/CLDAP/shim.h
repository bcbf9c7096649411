#ifndef TANDEM_CLDAP_SHIM_H
#define TANDEM_CLDAP_SHIM_H
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <ldap_schema.h>
#include <lber.h>

/* Cast-style macros Swift cannot import, re-exported as constants. */
static const int tandem_ldap_scope_base = LDAP_SCOPE_BASE;
static const int tandem_ldap_scope_onelevel = LDAP_SCOPE_ONELEVEL;
static const int tandem_ldap_scope_subtree = LDAP_SCOPE_SUBTREE;
static const ber_tag_t tandem_ldap_res_search_entry = LDAP_RES_SEARCH_ENTRY;
static const ber_tag_t tandem_ldap_res_search_reference = LDAP_RES_SEARCH_REFERENCE;
static const ber_tag_t tandem_ldap_res_search_result = LDAP_RES_SEARCH_RESULT;
static const int tandem_ldap_mod_add = LDAP_MOD_ADD;
static const int tandem_ldap_mod_delete = LDAP_MOD_DELETE;
static const int tandem_ldap_mod_replace = LDAP_MOD_REPLACE;
static const int tandem_ldap_mod_bvalues = LDAP_MOD_BVALUES;

/* LDAP_OPT_ON / LDAP_OPT_OFF are addresses of private globals. */
static inline int tandem_ldap_set_bool_option(LDAP *ld, int option, int on) {
    return ldap_set_option(ld, option, on ? LDAP_OPT_ON : LDAP_OPT_OFF);
}

/* The berval at an index of a NULL-terminated BerVarray (an array of structs, not pointers). */
static inline struct berval *tandem_ber_at(BerVarray array, int index) { return &array[index]; }

#endif
