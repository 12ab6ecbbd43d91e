import ArgumentParser
import OpenEnvCore

/// `openenv-swift info NAME`: one environment in detail.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe one environment.")

    @OptionGroup var discovery: DiscoveryArguments

    @Argument(help: "The environment, in any spelling: parrot, parrot-env, parrot_env.")
    var name: String

    func run() throws {
        let registry = discovery.discovery.registry()
        report(registry.warnings)
        let info = try registry.environment(named: name)
        if discovery.json {
            print(info.json.serialized())
            return
        }
        let rows: [(String, String)] = [
            ("Environment", "\(info.envKey) (\(info.name))"), ("Package", "\(info.package) \(info.version)"),
            ("Description", info.description), ("Client", "\(info.module).\(info.envClass)"),
            ("Action", "\(info.modelsModule).\(info.actionClass)"),
            ("Observation", "\(info.modelsModule).\(info.observationClass)"),
            ("Default image", info.defaultImage), ("Spec version", info.specVersion.map(String.init) ?? "-"),
            ("Manifest", info.manifestPath ?? "none installed"), ("Location", info.packagePath + (info.editable ? " (editable)" : "")),
        ]
        for (label, value) in rows {
            print("\((label + ":").padding(toLength: 15)) \(value)")
        }
    }
}

extension String {
    /// The string padded with spaces to at least `length` characters.
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
