import ArgumentParser
import OpenEnvCore

/// `openenv-swift actions`: the action class of every installed environment.
struct ActionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "actions", abstract: "List the action classes of the installed environments.")

    @OptionGroup var discovery: DiscoveryArguments

    func run() throws {
        let result = discovery.discovery.discover()
        report(result.warnings)
        print(discovery.json ? JSONValue.array(result.environments.map(\.actionInfo)).serialized() : EnvironmentListing.actions.text(for: result))
    }
}
