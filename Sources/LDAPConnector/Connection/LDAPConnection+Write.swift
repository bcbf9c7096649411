import CLDAP
import ConnectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// One attribute modification as bytes, ready for libldap.
struct Modification: Sendable {
    enum Operation: Sendable {
        case add, delete, replace
    }

    var operation: Operation
    var attribute: String
    var values: [[UInt8]]
}

/// Writes: add, modify, delete, rename. Each returns the LDAP result code; the caller maps it per object.
extension LDAPConnection {
    func add(dn: String, attributes: [Modification]) -> Int32 {
        let list = ModificationList(attributes)
        defer { list.free() }
        return ldap_add_ext_s(handle, dn, list.pointer, nil, nil)
    }

    func modify(dn: String, modifications: [Modification]) -> Int32 {
        let list = ModificationList(modifications)
        defer { list.free() }
        return ldap_modify_ext_s(handle, dn, list.pointer, nil, nil)
    }

    func delete(dn: String) -> Int32 {
        ldap_delete_ext_s(handle, dn, nil, nil)
    }

    /// modrdn, with a new superior when the parent changes (a move); the old RDN value is removed.
    func rename(dn: String, newRDN: String, newParent: String?) -> Int32 {
        ldap_rename_s(handle, dn, newRDN, newParent, 1, nil, nil)
    }
}

/// A NULL-terminated `LDAPMod **` with binary values, owning every allocation until ``free()``.
private struct ModificationList {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<LDAPMod>?>
    private var allocations: [UnsafeMutableRawPointer] = []

    init(_ modifications: [Modification]) {
        pointer = .allocate(capacity: modifications.count + 1)
        for (index, modification) in modifications.enumerated() {
            let values = UnsafeMutablePointer<UnsafeMutablePointer<berval>?>.allocate(
                capacity: modification.values.count + 1)
            allocations.append(UnsafeMutableRawPointer(values))
            for (valueIndex, bytes) in modification.values.enumerated() {
                let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress {
                        UnsafeMutableRawPointer(storage).copyMemory(from: base, byteCount: bytes.count)
                    }
                }
                let value = UnsafeMutablePointer<berval>.allocate(capacity: 1)
                value.initialize(to: berval(bv_len: ber_len_t(bytes.count), bv_val: storage))
                allocations.append(UnsafeMutableRawPointer(storage))
                allocations.append(UnsafeMutableRawPointer(value))
                values[valueIndex] = value
            }
            values[modification.values.count] = nil
            let operation: Int32 =
                switch modification.operation {
                case .add: tandem_ldap_mod_add
                case .delete: tandem_ldap_mod_delete
                case .replace: tandem_ldap_mod_replace
                }
            let name = Array(modification.attribute.utf8CString)
            let type = UnsafeMutablePointer<CChar>.allocate(capacity: name.count)
            type.initialize(from: name, count: name.count)
            allocations.append(UnsafeMutableRawPointer(type))
            let mod = UnsafeMutablePointer<LDAPMod>.allocate(capacity: 1)
            var entry = LDAPMod()
            entry.mod_op = operation | tandem_ldap_mod_bvalues
            entry.mod_type = type
            entry.mod_vals.modv_bvals = values
            mod.initialize(to: entry)
            allocations.append(UnsafeMutableRawPointer(mod))
            pointer[index] = mod
        }
        pointer[modifications.count] = nil
    }

    func free() {
        for allocation in allocations { allocation.deallocate() }
        pointer.deallocate()
    }
}
