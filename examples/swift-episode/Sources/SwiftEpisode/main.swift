// Discovers the OpenEnv environments installed for Python, then runs one episode of one of
// them (default `parrot`) on a local server the engine starts and stops.
import OpenEnvCore

#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
let name = arguments.first ?? "parrot"
var options = LaunchOptions()
if arguments.count > 1 { options.discovery.searchPaths = Array(arguments.dropFirst()) }

let registry = options.discovery.discovery.registry()
print("environments: " + registry.environments.map(\.envKey).joined(separator: ", "))

do {
    let env = try EnvironmentLauncher.open(name, options: options)
    defer { env.close() }
    print("server: \(env.address)")
    let first = try env.reset()
    print("reset: \(JSONValue.object(first.observation).serialized())")
    for word in ["hello", "from", "Swift"] {
        let result = try env.step(["message": .string(word)])
        print("step: \(JSONValue.object(result.observation).serialized()) reward=\(result.reward.serialized()) done=\(result.done)")
    }
    print("state: \(JSONValue.object(try env.state()).serialized())")
} catch {
    print("error: \(error)")
    exit(1)
}
