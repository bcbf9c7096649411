/// The connector-space objects joined to one metaverse object: a set of links that iterates in
/// ascending order.
///
/// A metaverse object is joined to at most one object per connector, and nearly always to one or
/// two. A `Set` of them took a heap block of 144 bytes for one link, 208 for two; a sorted array
/// takes 80 and 112, and a handful of links is searched faster in it than a set hashes one.
///
/// The array is not made to hold one link inline: a link is 32 bytes, which would make every
/// metaverse object 32 bytes larger (a stride of 120 instead of 88) and every bucket of the
/// metaverse's dictionary with it, and that dictionary has up to 2.7 buckets per object. Once
/// accounts are provisioned, most objects hold two links, which would still need an array: measured
/// at 200,000 people, the inline link saved 12 bytes per object where the plain array saves 96.
public struct ConnectorSpaceLinks: Hashable, Sendable, RandomAccessCollection, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    /// Sorted and distinct, so that the synthesized equality and hashing compare contents. Empty, it
    /// allocates nothing.
    private var links: [ConnectorSpaceLink]

    /// No links.
    public init() {
        links = []
    }

    /// The distinct links of `links`.
    public init(_ links: some Sequence<ConnectorSpaceLink>) {
        self.init()
        for link in links { insert(link) }
    }

    public init(arrayLiteral links: ConnectorSpaceLink...) {
        self.init(links)
    }

    public var startIndex: Int { links.startIndex }

    public var endIndex: Int { links.endIndex }

    public subscript(position: Int) -> ConnectorSpaceLink { links[position] }

    public var description: String { links.description }

    /// Whether `link` is one of the links.
    public func contains(_ link: ConnectorSpaceLink) -> Bool { links.contains(link) }

    /// Adds `link` unless it is held already, as `Set.insert(_:)` does.
    @discardableResult
    public mutating func insert(_ link: ConnectorSpaceLink) -> (
        inserted: Bool, memberAfterInsert: ConnectorSpaceLink
    ) {
        // Sorted by the order the state digest sorts links in, so that iterating needs no sort.
        let position = links.firstIndex { !($0 < link) } ?? links.endIndex
        if position < links.endIndex, links[position] == link { return (false, links[position]) }
        links.insert(link, at: position)
        return (true, link)
    }

    /// Removes `link`, returning the link that was held (`nil` when it was not), as `Set.remove(_:)` does.
    @discardableResult
    public mutating func remove(_ link: ConnectorSpaceLink) -> ConnectorSpaceLink? {
        guard let position = links.firstIndex(of: link) else { return nil }
        let removed = links.remove(at: position)
        // An object left without links is usually deleted or joined again: hold on to nothing meanwhile.
        if links.isEmpty { links = [] }
        return removed
    }
}
