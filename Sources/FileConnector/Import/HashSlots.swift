/// A map from 64-bit hashes to row positions: open addressing with linear probing, the hash itself choosing
/// the slot (it is already well mixed), at most three quarters full. One slot is 16 bytes, so a lookup costs
/// one cache miss; a million rows take 32 MiB. Removal shifts the following slots back, so no tombstones pile
/// up as rows come and go.
struct HashSlots: Sendable {
    private struct Slot {
        /// The key, never 0 (``empty`` marks a free slot).
        var key: UInt64
        var position: Int32
    }

    private static let empty: UInt64 = 0
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 0) {
        var size = 16
        while size * 3 < capacity * 4 { size *= 2 }
        slots = Array(repeating: Slot(key: Self.empty, position: 0), count: size)
        mask = size - 1
    }

    /// 0 is the free-slot mark; it stands for 1 (one more way to collide, at 2⁻⁶⁴).
    @inline(__always) private static func stored(_ key: UInt64) -> UInt64 { key == empty ? 1 : key }

    /// The position stored for `key`, or `nil`.
    func position(of key: UInt64) -> Int32? {
        let key = Self.stored(key)
        return slots.withUnsafeBufferPointer { slots in
            var index = Int(truncatingIfNeeded: key) & mask
            while true {
                let slot = slots[index]
                if slot.key == key { return slot.position }
                if slot.key == Self.empty { return nil }
                index = (index + 1) & mask
            }
        }
    }

    /// Stores `position` for `key`; `false` (and nothing changes) if `key` is already there.
    mutating func insert(_ key: UInt64, _ position: Int32) -> Bool {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let key = Self.stored(key)
        var index = Int(truncatingIfNeeded: key) & mask
        while slots[index].key != Self.empty {
            if slots[index].key == key { return false }
            index = (index + 1) & mask
        }
        slots[index] = Slot(key: key, position: position)
        count += 1
        return true
    }

    /// Removes `key`'s slot if there is one.
    mutating func remove(_ key: UInt64) {
        let key = Self.stored(key)
        var index = Int(truncatingIfNeeded: key) & mask
        while slots[index].key != key {
            if slots[index].key == Self.empty { return }
            index = (index + 1) & mask
        }
        // Shift back each following slot that may not stay where it is (its home is not in the gap's run).
        var gap = index
        var next = (gap + 1) & mask
        while slots[next].key != Self.empty {
            let home = Int(truncatingIfNeeded: slots[next].key) & mask
            if (next - home) & mask >= (next - gap) & mask {
                slots[gap] = slots[next]
                gap = next
            }
            next = (next + 1) & mask
        }
        slots[gap].key = Self.empty
        count -= 1
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(key: Self.empty, position: 0), count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for slot in old where slot.key != Self.empty { _ = insert(slot.key, slot.position) }
    }
}
