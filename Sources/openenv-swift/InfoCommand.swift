import ArgumentParser
import OpenEnvCore

/// `openenv-swift info NAME`: one environment in detail.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe one environment.")

    @OptionGroup var discovery: DiscoveryArguments

    @Argument(help: "The environment, in any spelling: parrot, parrot-env, parrot_env.")
    var name: String

    func run() throws {
        if HubRepository.looksLikeHubName(name) { return try describeSpace() }
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

extension InfoCommand {
    /// A Hub Space: its addresses, and the installed environment of the same name, if any.
    func describeSpace() throws {
        let repository = try HubRepository(name)
        let installed = try? discovery.discovery.environment(named: repository.space)
        let fields: [(String, JSONValue)] = [
            ("repo_id", .string(repository.description)), ("space_url", .string(repository.spaceURL)),
            ("docker_image", .string(repository.dockerImage)), ("install_url", .string(repository.gitURL())),
            ("installed_env_key", JSONValue(installed?.envKey)),
        ]
        if discovery.json {
            print(JSONValue.object(JSONObject(fields)).serialized())
            return
        }
        for (label, value) in fields {
            print("\((label + ":").padding(toLength: 19)) \(value.stringValue ?? "not installed")")
        }
    }
}

extension String {
    /// The string padded with spaces to at least `length` characters.
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
