// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "openenv-swift",
    products: [
        .library(name: "OpenEnvCore", targets: ["OpenEnvCore"]),
        .library(name: "openenv", type: .dynamic, targets: ["OpenEnvFFI"]),
        .executable(name: "openenv-swift", targets: ["openenv-swift"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenSSL linked statically (see its module map), so no pkg-config: its -lssl would link the shared library.
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLinux"),
        // libyaml for openenv.yaml (see YAMLReader for why not Yams).
        .systemLibrary(name: "CYAML", providers: [.apt(["libyaml-dev"])]),
        // The public header, so that the exports fill its structs with the C layout.
        .systemLibrary(name: "COpenEnvABI"),
        .target(
            name: "OpenEnvCore",
            dependencies: ["COpenSSL", "CLinux", "CYAML"]
        ),
        .target(name: "OpenEnvFFI", dependencies: ["OpenEnvCore", "COpenEnvABI", "CLinux"]),
        .executableTarget(
            name: "openenv-swift",
            dependencies: [
                "OpenEnvCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The C ABI's thread cases are here too (CABIThreadTests), so that the sanitizer
        // passes of `swift test` see the exports' locking.
        .testTarget(name: "OpenEnvCoreTests", dependencies: ["OpenEnvCore", "OpenEnvFFI", "COpenEnvABI"]),
    ]
)
