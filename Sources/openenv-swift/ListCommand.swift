import ArgumentParser
import OpenEnvCore

/// `openenv-swift list`: every installed environment.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the installed environments.")

    @OptionGroup var discovery: DiscoveryArguments

    func run() throws {
        let result = discovery.discovery.discover()
        report(result.warnings)
        print(discovery.json ? result.json.serialized() : EnvironmentListing.environments.text(for: result))
    }
}
