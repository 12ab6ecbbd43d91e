import ArgumentParser
import OpenEnvCore

/// `openenv-swift run NAME` or `run --base-url URL`: an episode, starting the server if needed.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an episode: reset, then send the same action for a number of steps.",
        discussion: "With NAME, the installed environment's server is started as a local process (or with --docker-image in Docker) and stopped at the end; with --base-url, the server there is used.")

    @Argument(help: "An installed environment (any spelling) or a Hugging Face Space 'owner/space'.")
    var name: String?

    @Option(help: "A running environment server, e.g. http://127.0.0.1:8000.")
    var baseURL: String?

    @Option(help: "Run this Docker image instead of a local process.")
    var dockerImage: String?

    @Option(help: "Seconds to wait for a started server to become healthy.")
    var waitTimeout: Double = 30

    @Option(name: .customLong("path"), help: "A folder to search for environments (repeatable).")
    var paths: [String] = []

    @Option(help: "Steps to take after the reset (stops early when the episode is done).")
    var steps = 3

    @Option(help: "The action as a JSON object, e.g. '{\"message\": \"hi\"}'.")
    var action = "{}"

    @Option(help: "Reset arguments as a JSON object, e.g. '{\"seed\": 42}'.")
    var reset = "{}"

    @Option(help: "Seconds to wait for each answer.")
    var timeout: Double = 60

    @Flag(help: "Print each result as one line of JSON.")
    var json = false

    func validate() throws {
        guard name != nil || baseURL != nil else { throw ValidationError("give an environment NAME or --base-url") }
        guard waitTimeout > 0 else { throw ValidationError("--wait-timeout must be positive") }
        guard steps >= 0 else { throw ValidationError("--steps must be 0 or more") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let actionFields = try jsonObject(action, option: "--action")
        let resetFields = try jsonObject(reset, option: "--reset")
        var options = LaunchOptions()
        options.session.messageTimeout = timeout
        options.baseURL = baseURL
        options.dockerImage = dockerImage
        options.useDocker = dockerImage != nil
        options.waitTimeout = waitTimeout
        options.discovery.searchPaths = paths.isEmpty ? nil : paths
        let session = try name.map { try EnvironmentLauncher.open($0, options: options) }
            ?? EnvSession(baseURL: baseURL!, options: options.session)
        defer { session.close() }
        var result = try session.reset(resetFields)
        show("reset", result)
        var taken = 0
        while taken < steps && !result.done {
            taken += 1
            result = try session.step(actionFields)
            show("step \(taken)", result)
        }
        let state = try session.state()
        print(json ? JSONValue.object(["state": .object(state)]).serialized() : "state: \(JSONValue.object(state).serialized())")
    }

    private func show(_ label: String, _ result: StepResult) {
        if json {
            print(result.json.serialized())
        } else {
            print("\(label): observation=\(JSONValue.object(result.observation).serialized()) reward=\(result.reward.serialized()) done=\(result.done)")
        }
    }
}

/// Parses a command-line JSON object option.
func jsonObject(_ text: String, option: String) throws -> JSONObject {
    do {
        guard let object = try JSONParser().parse(text).objectValue else {
            throw ValidationError("\(option) must be a JSON object, e.g. '{\"message\": \"hi\"}'")
        }
        return object
    } catch let error as JSONParseError {
        throw ValidationError("\(option) is not valid JSON: \(error)")
    }
}
