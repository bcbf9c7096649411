// swift-tools-version: 6.0
import PackageDescription

// Layers (DESIGN.md): imports only point down.
//   tandem (@main) → TandemCLI → TandemEngine → FileConnector, … → ConnectorKit
//                                             → TandemJournal → CZlib, CDeflate
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
        .library(name: "LDAPConnector", targets: ["LDAPConnector"]),
        .library(name: "SCIMConnector", targets: ["SCIMConnector"]),
        .library(name: "PluginConnector", targets: ["PluginConnector"]),
        .library(name: "TandemServer", targets: ["TandemServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Inflation: libdeflate decompresses whole zlib streams about three times as fast as zlib.
        .systemLibrary(
            name: "CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .target(
            name: "TandemJournal",
            dependencies: [
                "CZlib",
                "CDeflate",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The API connector authors import: no dependencies, no engine or NIO types.
        .target(name: "ConnectorKit"),
        // An in-memory connector and the conformance suite every connector must pass.
        .target(name: "ConnectorKitTesting", dependencies: ["ConnectorKit"]),
        .target(name: "FileConnector", dependencies: ["ConnectorKit"]),
        .systemLibrary(
            name: "CLDAP",
            pkgConfig: "ldap",
            providers: [.apt(["libldap-dev"])]
        ),
        // LDAP (OpenLDAP, Active Directory) through libldap; blocking calls run on their own threads.
        .target(
            name: "LDAPConnector",
            dependencies: ["ConnectorKit", "CLDAP", .product(name: "Logging", package: "swift-log")]
        ),
        // SCIM 2.0 cloud directories over HTTP.
        .target(
            name: "SCIMConnector",
            dependencies: [
                "ConnectorKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Out-of-process connectors in any language: JSON Lines over a child's stdin/stdout (Plugins/PROTOCOL.md).
        .target(
            name: "PluginConnector",
            dependencies: ["ConnectorKit", .product(name: "Logging", package: "swift-log")]
        ),
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
                "LDAPConnector",
                "SCIMConnector",
                "PluginConnector",
                "TandemServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The long-running service: journal shipping, staging, promotion under an epoch authority.
        .target(
            name: "TandemServer",
            dependencies: [
                "TandemEngine",
                "TandemJournal",
                "ConnectorKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "tandem",
            dependencies: ["TandemCLI", "TandemEngine"]
        ),
        // Helpers the test targets share (not shipped): reaping child processes reliably.
        .target(name: "TandemTestSupport", path: "Tests/TandemTestSupport"),
        .testTarget(
            name: "TandemJournalTests",
            dependencies: ["TandemJournal", "TandemTestSupport"]
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
            dependencies: [
                "TandemEngine", "ConnectorKit", "ConnectorKitTesting", "TandemJournal",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LDAPConnectorTests",
            dependencies: ["LDAPConnector", "ConnectorKit", "ConnectorKitTesting", "TandemTestSupport"]
        ),
        .testTarget(
            name: "SCIMConnectorTests",
            dependencies: ["SCIMConnector", "ConnectorKit", "ConnectorKitTesting", "TandemTestSupport"]
        ),
        .testTarget(
            name: "PluginConnectorTests",
            // The engine too: to prove a plug-in killed mid-import leaves the connector space unchanged.
            dependencies: [
                "PluginConnector", "ConnectorKit", "ConnectorKitTesting", "TandemEngine", "TandemJournal",
                "TandemTestSupport",
            ]
        ),
        .testTarget(
            name: "TandemServerTests",
            dependencies: [
                "TandemServer", "TandemEngine", "TandemJournal", "ConnectorKit", "tandem", "TandemTestSupport",
            ]
        ),
        .testTarget(
            name: "TandemCLITests",
            dependencies: ["TandemCLI", "TandemJournal", "tandem", "TandemTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
