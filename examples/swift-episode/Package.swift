// swift-tools-version:6.0
// A separate Swift package that uses openenv-swift by path: `import OpenEnvCore`, discovery,
// then an episode on a server the engine starts. Run from here:
//   swift run SwiftEpisode [ENV_NAME] [SEARCH_PATH...]
import PackageDescription

let package = Package(
    name: "swift-episode",
    dependencies: [
        .package(name: "openenv-swift", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "SwiftEpisode",
            dependencies: [.product(name: "OpenEnvCore", package: "openenv-swift")]
        ),
    ]
)
