#if canImport(Glibc)
import Glibc
#endif

/// Installs a Space's client code (`git+<hub>/spaces/owner/space`) into a Python interpreter,
/// only with consent: the caller's `trustRemoteCode`, `OPENENV_TRUST_REMOTE_CODE=1`, or a yes
/// at a prompt when standard input is a terminal. Uses `uv pip` when uv is on PATH, else the
/// interpreter's pip; the installer's output goes to standard error, so progress is visible.
public struct HubInstaller: Sendable {
    public let repository: HubRepository
    /// The interpreter whose environment receives the package.
    public let python: String
    /// The Hub address (`HF_ENDPOINT`, else the public Hub).
    public let endpoint: String

    public init(repository: HubRepository, python: String, endpoint: String = HubRepository.configuredEndpoint) {
        self.repository = repository
        self.python = python
        self.endpoint = endpoint
    }

    /// Whether consent is given without asking.
    public static func consentGiven(trustRemoteCode: Bool) -> Bool {
        trustRemoteCode || FileSystem.environmentFlag("OPENENV_TRUST_REMOTE_CODE", isOneOf: ["1", "true", "yes"])
    }

    /// The installer's command line for `gitURL`, writing pip's report to `reportPath`.
    func installCommand(reportPath: String, uv: String?) -> [String] {
        let target = repository.gitURL(endpoint: endpoint)
        if let uv { return [uv, "pip", "install", "--python", python, target] }
        return [python, "-m", "pip", "install", "--disable-pip-version-check", "--report", reportPath, target]
    }

    /// Installs with consent and returns the names of the distributions installed, as the
    /// installer recorded them (pip's `--report`; for uv, the distributions new or changed in
    /// the interpreter's site-packages).
    public func install(trustRemoteCode: Bool, searchPaths: [String]) throws(HubInstallError) -> [String] {
        if !Self.consentGiven(trustRemoteCode: trustRemoteCode) {
            guard isatty(0) == 1 else { throw .consentRequired(repository: repository.description, refused: false) }
            guard ask() else { throw .consentRequired(repository: repository.description, refused: true) }
        }
        let uv = FileSystem.onPath("uv")
        let report = FileSystem.join(PrivateFolder.temporary ?? "/nonexistent", "openenv-install-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json")
        defer { unlink(report) }
        let before = Self.distributionStamps(searchPaths)
        let command = installCommand(reportPath: report, uv: uv)
        printToStandardError("Installing \(repository) from \(repository.gitURL(endpoint: endpoint)) with \(uv == nil ? "pip" : "uv pip")")
        let status = Self.run(command, environment: Self.gitEnvironment(token: HubRepository.token, endpoint: endpoint))
        guard status == 0 else { throw .installFailed(command: command.joined(separator: " "), status: status) }
        if uv == nil, let bytes = try? FileSystem.read(report), let json = try? JSONParser().parse(bytes) {
            return (json["install"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }
        }
        let after = Self.distributionStamps(searchPaths)
        return after.filter { before[$0.key] != $0.value }.keys.sorted()
    }

    /// Asks on the terminal; true for yes.
    private func ask() -> Bool {
        printToStandardError("""
            ============================================================
            SECURITY WARNING: installing code from a remote repository
              Repository: \(repository)
              Source:     \(repository.gitURL(endpoint: endpoint))
            This runs code from the internet on this machine. Only proceed if you trust it.
            ============================================================
            """)
        writeToStandardError("Do you want to proceed? [y/N]: ")
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingWhiteSpace().lowercased())
    }

    /// Distribution name -> stamp of its metadata folder, on every search path.
    static func distributionStamps(_ searchPaths: [String]) -> [String: FileStamp] {
        var stamps: [String: FileStamp] = [:]
        for path in searchPaths {
            for name in FileSystem.list(path) ?? [] where name.hasSuffix(".dist-info") {
                let distribution = String(name.dropLast(".dist-info".count).split(separator: "-").first ?? "")
                stamps[distribution] = FileSystem.stamp(FileSystem.join(path, name))
            }
        }
        return stamps
    }

    /// This process's environment for the installer, with git told to send `token` (for
    /// private Spaces) to `endpoint` and nowhere else: `http.<endpoint>/.extraHeader` through
    /// `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, so the token appears in no
    /// command line, URL or file.
    static func gitEnvironment(token: String?, endpoint: String, base: [String: String] = FileSystem.environment()) -> [String: String] {
        guard let token else { return base }
        var environment = base
        let index = Int(base["GIT_CONFIG_COUNT"] ?? "") ?? 0
        var scope = endpoint
        while scope.hasSuffix("/") { scope.removeLast() }
        environment["GIT_CONFIG_KEY_\(index)"] = "http.\(scope)/.extraHeader"
        environment["GIT_CONFIG_VALUE_\(index)"] = "Authorization: Bearer \(token)"
        environment["GIT_CONFIG_COUNT"] = String(index + 1)
        return environment
    }

    /// Runs a command with its output sent to standard error; its exit status.
    static func run(_ command: [String], environment: [String: String]) -> Int32 {
        do {
            return try ChildProcess(command[0], Array(command.dropFirst()), environment: environment, output: .standardError).waitUntilExit()
        } catch {
            printToStandardError(error.description)
            return 127
        }
    }
}

/// Writes a line to standard error.
func printToStandardError(_ line: String) {
    writeToStandardError(line + "\n")
}

/// Writes `text` to standard error as it is.
func writeToStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { write(2, $0.baseAddress! + written, $0.count - written) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { return }
        written += count
    }
}
