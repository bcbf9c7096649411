// swift-tools-version: 6.0
import PackageDescription

// Benchmarks live in their own package so that they do not slow the main build (STYLE.md).
// Run: cd Benchmarks && swift run -c release JournalBenchmarks (or EngineBenchmarks, ShippingBenchmarks)
let package = Package(
    name: "TandemBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Tandem", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Already a dependency of Tandem; named here only to quiet the journal's info logging.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // What both benchmarks share: timing external baselines, formatting the report.
        .target(name: "BenchmarkSupport"),
        .executableTarget(
            name: "JournalBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemJournal", package: "Tandem"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemEngine", package: "Tandem"),
                .product(name: "TandemJournal", package: "Tandem"),
                .product(name: "FileConnector", package: "Tandem"),
                .product(name: "ConnectorKit", package: "Tandem"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ShippingBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemServer", package: "Tandem"),
                .product(name: "TandemEngine", package: "Tandem"),
                .product(name: "TandemJournal", package: "Tandem"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "TimeTravelBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemEngine", package: "Tandem"),
                .product(name: "TandemJournal", package: "Tandem"),
                .product(name: "ConnectorKit", package: "Tandem"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The plug-in protocol's overhead: the same objects through a plug-in and through the file connector.
        .executableTarget(
            name: "PluginBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "PluginConnector", package: "Tandem"),
                .product(name: "FileConnector", package: "Tandem"),
                .product(name: "ConnectorKit", package: "Tandem"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "LDAPBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "LDAPConnector", package: "Tandem"),
                .product(name: "ConnectorKit", package: "Tandem"),
                .product(name: "ConnectorKitTesting", package: "Tandem"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
