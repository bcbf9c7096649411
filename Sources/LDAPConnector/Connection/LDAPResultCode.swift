import CLDAP
import ConnectorKit

/// How libldap's result codes map to ``ConnectorError`` codes: what the engine should do next.
enum LDAPResultCode {
    /// The ConnectorError code for an LDAP result code.
    static func connectorCode(_ code: Int32) -> ConnectorError.Code {
        switch code {
        case LDAP_BUSY, LDAP_UNAVAILABLE, LDAP_SERVER_DOWN, LDAP_TIMEOUT, LDAP_CONNECT_ERROR, LDAP_TIMELIMIT_EXCEEDED,
            LDAP_ADMINLIMIT_EXCEEDED, LDAP_LOOP_DETECT:
            return .transient
        case LDAP_INVALID_CREDENTIALS, LDAP_INAPPROPRIATE_AUTH, LDAP_STRONG_AUTH_REQUIRED,
            LDAP_CONFIDENTIALITY_REQUIRED:
            return .authentication
        case LDAP_OBJECT_CLASS_VIOLATION, LDAP_NOT_ALLOWED_ON_NONLEAF, LDAP_NOT_ALLOWED_ON_RDN,
            LDAP_NO_OBJECT_CLASS_MODS, LDAP_UNDEFINED_TYPE, LDAP_INVALID_SYNTAX, LDAP_INAPPROPRIATE_MATCHING,
            LDAP_NAMING_VIOLATION, LDAP_INVALID_DN_SYNTAX:
            return .schema
        // Refused access and "unwilling" (AD's answer to a password policy) concern one object: the rest go on.
        case LDAP_CONSTRAINT_VIOLATION, LDAP_TYPE_OR_VALUE_EXISTS, LDAP_NO_SUCH_ATTRIBUTE, LDAP_UNWILLING_TO_PERFORM,
            LDAP_INSUFFICIENT_ACCESS:
            return .constraint
        case LDAP_NO_SUCH_OBJECT:
            return .notFound
        case LDAP_ALREADY_EXISTS:
            return .conflict
        case LDAP_FILTER_ERROR, LDAP_PARAM_ERROR, LDAP_NOT_SUPPORTED:
            return .invalidConfiguration
        case LDAP_USER_CANCELLED:
            return .cancelled
        default:
            return .other
        }
    }

    /// libldap's name for a result code (`Invalid credentials`), safe to show: it never holds values.
    static func name(_ code: Int32) -> String {
        String(cString: ldap_err2string(code))
    }
}
