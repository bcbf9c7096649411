import ConnectorKit

/// Tandem's configuration, `tandem.yaml`: connectors, metaverse, rules and policy.
public struct Configuration: Sendable {
    /// The directory holding the configuration file; relative paths resolve against it.
    public var baseDirectory: String
    /// Where the journal and checkpoints live.
    public var dataDirectory: String
    public var connectors: [ConnectorConfiguration]
    /// Metaverse object types and their unique attributes.
    public var metaverse: [ObjectType: MetaverseTypeConfiguration]
    public var inboundRules: [InboundRule]
    public var outboundRules: [OutboundRule]
    public var deletionThreshold: DeletionThreshold
    /// A run stops once this many sync errors have been recorded.
    public var errorLimit: Int
    /// How often the active server runs a delta cycle.
    public var scheduleInterval: Duration
    /// How `tandem serve` listens, authenticates and finds its primary.
    public var server: ServerSettings = ServerSettings()
    /// Journal events between automatic checkpoints (`checkpoints: { every: N }`).
    public var checkpointInterval: UInt64 = 10_000
    /// What the journal and checkpoints keep (`retention:`); `nil` keeps everything.
    public var retention: RetentionPolicy?

    public init(
        baseDirectory: String, dataDirectory: String, connectors: [ConnectorConfiguration],
        metaverse: [ObjectType: MetaverseTypeConfiguration], inboundRules: [InboundRule], outboundRules: [OutboundRule],
        deletionThreshold: DeletionThreshold = DeletionThreshold(), errorLimit: Int = 5_000,
        scheduleInterval: Duration = .seconds(1_800)
    ) {
        self.baseDirectory = baseDirectory
        self.dataDirectory = dataDirectory
        self.connectors = connectors
        self.metaverse = metaverse
        self.inboundRules = inboundRules
        self.outboundRules = outboundRules
        self.deletionThreshold = deletionThreshold
        self.errorLimit = errorLimit
        self.scheduleInterval = scheduleInterval
    }

    public func connector(_ name: String) -> ConnectorConfiguration? { connectors.first { $0.name == name } }
}

/// A metaverse object type's settings.
public struct MetaverseTypeConfiguration: Hashable, Sendable {
    /// Attributes whose values must be unique among objects of this type; a duplicate
    /// quarantines the object with a sync error instead of failing the run.
    public var unique: [String]

    public init(unique: [String] = []) { self.unique = unique }
}

/// The export deletion threshold: past it, deletes are held for an operator's approval while
/// adds and updates keep flowing.
public struct DeletionThreshold: Hashable, Sendable {
    /// Hold deletes when one export would delete more than this many objects (0: no count limit).
    public var count: Int
    /// …or more than this percentage of the connector space (0: no percentage limit).
    public var percent: Int
    public var enabled: Bool

    public init(count: Int = 500, percent: Int = 0, enabled: Bool = true) {
        self.count = count
        self.percent = percent
        self.enabled = enabled
    }

    /// Whether deleting `deletes` of `total` objects exceeds the threshold.
    public func isExceeded(deletes: Int, total: Int) -> Bool {
        guard enabled, deletes > 0 else { return false }
        if count > 0 && deletes > count { return true }
        if percent > 0 && total > 0 && deletes * 100 > total * percent { return true }
        return false
    }
}
