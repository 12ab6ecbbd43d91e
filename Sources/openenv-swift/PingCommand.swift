import ArgumentParser
import OpenEnvCore

/// `openenv-swift ping URL`: is a server there, and what does it serve.
struct PingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Report a server's health, metadata and schema.")

    @Argument(help: "The environment server, e.g. http://127.0.0.1:8000.")
    var baseURL: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let address = try ServerAddress(baseURL)
        let probe = try ServerProbe(address: address)
        if json {
            print(JSONValue.object(["health": probe.health, "metadata": probe.metadata, "schema": probe.schema]).serialized())
            return
        }
        print("server:   \(address)")
        print("health:   \(probe.health.serialized())")
        print("metadata: \(probe.metadata.serialized())")
        for part in ["action", "observation", "state"] {
            let fields = probe.schema[part]?["properties"]?.objectValue?.keys ?? []
            print("\(part):\(String(repeating: " ", count: max(1, 9 - part.count)))\(fields.joined(separator: ", "))")
        }
    }
}
