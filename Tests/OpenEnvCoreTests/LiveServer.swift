import Foundation

@testable import OpenEnvCore

/// A real OpenEnv server for one test: the set-up's parrot_env (made by `openenv init`),
/// served by uvicorn from the repository's .venv on a free loopback port.
final class LiveServer {
    let process = Process()
    let url: String

    /// The repository root, found from this file's path.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `arguments`: uvicorn's own, added to its command (`--ws-ping-interval 1`, say).
    init(arguments: [String] = []) throws {
        let python = Self.repository.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw SetupMissing(description: "\(python) is missing; run scripts/setup.sh first")
        }
        let port = LocalServerProcess.freePort()
        url = "http://127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "uvicorn", "parrot_env.server.app:app", "--host", "127.0.0.1", "--port", "\(port)", "--log-level", "warning"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? ServerProbe(address: ServerAddress(url), timeout: 1)) != nil { return }
            guard process.isRunning else { throw SetupMissing(description: "the parrot_env server exited") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.terminate()
        throw SetupMissing(description: "the parrot_env server did not become healthy within 60 s")
    }

    /// Stops the server: SIGTERM, then SIGKILL if it has not exited within 5 seconds (uvicorn
    /// waits for open connections before it exits). Call it from a `defer`, which also keeps
    /// the server alive until the test's end.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        stop()
    }

    struct SetupMissing: Error, CustomStringConvertible {
        let description: String
    }
}
