// swift-tools-version: 6.0
import PackageDescription

// Layers (DESIGN.md): imports only point down.
//   tandem (@main) → TandemCLI → TandemEngine → FileConnector, … → ConnectorKit
//                                             → TandemJournal → CZlib
let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
        .library(name: "TandemJournal", targets: ["TandemJournal"]),
        .library(name: "ConnectorKit", targets: ["ConnectorKit"]),
        .library(name: "ConnectorKitTesting", targets: ["ConnectorKitTesting"]),
        .library(name: "TandemEngine", targets: ["TandemEngine"]),
        .library(name: "FileConnector", targets: ["FileConnector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "TandemJournal",
            dependencies: [
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The API connector authors import: no dependencies, no engine or NIO types.
        .target(name: "ConnectorKit"),
        // An in-memory connector and the conformance suite every connector must pass.
        .target(name: "ConnectorKitTesting", dependencies: ["ConnectorKit"]),
        .target(name: "FileConnector", dependencies: ["ConnectorKit"]),
        .target(
            name: "TandemEngine",
            dependencies: [
                "ConnectorKit",
                "TandemJournal",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TandemCLI",
            dependencies: [
                "TandemJournal",
                "TandemEngine",
                "ConnectorKit",
                "FileConnector",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "tandem",
            dependencies: ["TandemCLI"]
        ),
        .testTarget(
            name: "TandemJournalTests",
            dependencies: ["TandemJournal"]
        ),
        .testTarget(
            name: "ConnectorKitTests",
            dependencies: ["ConnectorKit", "ConnectorKitTesting"]
        ),
        .testTarget(
            name: "FileConnectorTests",
            dependencies: ["FileConnector", "ConnectorKit", "ConnectorKitTesting"]
        ),
        .testTarget(
            name: "TandemEngineTests",
            dependencies: ["TandemEngine", "ConnectorKit", "ConnectorKitTesting", "TandemJournal"]
        ),
        .testTarget(
            name: "TandemCLITests",
            dependencies: ["TandemCLI", "TandemJournal", "tandem"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
