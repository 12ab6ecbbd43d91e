import ArgumentParser
import OpenEnvCore

/// The `openenv-swift` command line: find and describe OpenEnv environments.
@main
struct OpenEnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openenv-swift",
        abstract: "Find, describe and drive OpenEnv environments.",
        version: OpenEnvVersion.string,
        subcommands: [ListCommand.self, InfoCommand.self, ActionsCommand.self, RunCommand.self, PingCommand.self, BenchCommand.self]
    )
}

/// Options shared by every subcommand.
struct DiscoveryArguments: ParsableArguments {
    @Option(name: .customLong("path"), help: "A folder to search (repeatable). Default: $OPENENV_PATH, $PYTHONPATH, then python3's sys.path.")
    var paths: [String] = []

    @Flag(help: "Scan afresh, ignoring and not writing the discovery cache.")
    var noCache = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    var discovery: Discovery {
        Discovery(searchPaths: paths.isEmpty ? nil : paths, usesCache: !noCache)
    }
}

/// Writes discovery warnings to standard error.
func report(_ warnings: [DiscoveryWarning]) {
    for warning in warnings {
        printError("warning: \(warning)")
    }
}

/// Prints a line to standard error.
func printError(_ line: String) {
    var standardError = StandardError()
    print(line, to: &standardError)
}

/// Standard error as a text stream.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.writeToStandardError(string)
    }
}
