// swift-tools-version: 6.0
import PackageDescription

// Layers (DESIGN.md): imports only point down.
//   tandem (@main) → TandemCLI → TandemJournal → CZlib
let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
        .library(name: "TandemJournal", targets: ["TandemJournal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        .target(
            name: "TandemCLI",
            dependencies: [
                "TandemJournal",
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
            name: "TandemCLITests",
            dependencies: ["TandemCLI", "TandemJournal", "tandem"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
