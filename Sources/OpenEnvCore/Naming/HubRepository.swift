/// A Hugging Face Space named by its repo id (`owner/space`) or its page URL
/// (`https://huggingface.co/spaces/owner/space`), validated with the Hub's naming rules
/// before anything touches the network.
public struct HubRepository: Sendable, Equatable, CustomStringConvertible {
    public let owner: String
    public let space: String

    /// Why a name is not a valid repo id.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Whether `name` is meant as a Hub name (it has a `/`), as the reference decides.
    public static func looksLikeHubName(_ name: String) -> Bool {
        name.contains("/")
    }

    /// Parses and validates a repo id or Space URL.
    public init(_ name: String) throws(Invalid) {
        var text = name.trimmingWhiteSpace()
        for prefix in ["https://huggingface.co/spaces/", "http://huggingface.co/spaces/", "https://huggingface.co/", "huggingface.co/spaces/", "spaces/"]
        where text.hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count))
            break
        }
        while text.hasSuffix("/") { text.removeLast() }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else {
            throw Invalid(description: "\(quoted(name)) is not a Hugging Face repo id: expected exactly 'owner/space'")
        }
        for part in parts {
            try Self.validate(part, in: name)
        }
        owner = parts[0]
        space = parts[1]
    }

    private static func validate(_ part: String, in name: String) throws(Invalid) {
        let problem: String?
        if part.isEmpty {
            problem = "an empty part"
        } else if part.count > 96 {
            problem = "a part longer than 96 characters"
        } else if let bad = part.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".")) }) {
            problem = "the character '\(bad)' (only letters, digits, '-', '_' and '.' are allowed)"
        } else if part.hasPrefix("-") || part.hasPrefix(".") || part.hasSuffix("-") || part.hasSuffix(".") {
            problem = "a part that starts or ends with '-' or '.'"
        } else if part.contains("--") || part.contains("..") {
            problem = "'--' or '..' inside a part"
        } else {
            problem = nil
        }
        if let problem { throw Invalid(description: "\(quoted(name)) is not a valid Hugging Face repo id: it has \(problem)") }
    }

    /// `owner/space`.
    public var description: String { "\(owner)/\(space)" }

    /// The Space's host name part: `owner-space`, lower case, `_` and `.` as `-`.
    public var subdomain: String {
        String("\(owner)-\(space)".lowercased().map { $0 == "_" || $0 == "." ? "-" : $0 })
    }

    /// Where the running Space answers: `https://owner-space.hf.space`.
    public var spaceURL: String { "https://\(subdomain).hf.space" }

    /// The Space's Docker image: `registry.hf.space/owner-space:latest`.
    public var dockerImage: String { "registry.hf.space/\(subdomain):latest" }

    /// Whether `HF_HUB_OFFLINE` forbids network look-ups of the Hub and its Spaces.
    public static var isOffline: Bool {
        FileSystem.environmentFlag("HF_HUB_OFFLINE", isOneOf: ["1", "true", "yes", "on"])
    }

    /// The user's Hugging Face token, for private Spaces: `HF_TOKEN`, else the legacy
    /// `HUGGING_FACE_HUB_TOKEN`, else the file `huggingface-cli login` writes (`HF_TOKEN_PATH`,
    /// else `$HF_HOME/token`, else `~/.cache/huggingface/token`); surrounding white space removed.
    public static var token: String? {
        for name in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] {
            if let value = FileSystem.environment(name)?.trimmingWhiteSpace(), !value.isEmpty { return value }
        }
        let home = FileSystem.environment("HF_HOME") ?? ((FileSystem.environment("HOME") ?? "") + "/.cache/huggingface")
        let path = FileSystem.environment("HF_TOKEN_PATH") ?? (home + "/token")
        guard let bytes = try? FileSystem.read(path) else { return nil }
        let value = String(decoding: bytes, as: UTF8.self).trimmingWhiteSpace()
        return value.isEmpty ? nil : value
    }

    /// The Hub's address: `HF_ENDPOINT` when set, else the public Hub.
    public static var configuredEndpoint: String {
        FileSystem.environment("HF_ENDPOINT").flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
    }

    /// The pip-installable address of the Space's code on `endpoint` (default: ``configuredEndpoint``).
    public func gitURL(endpoint: String = HubRepository.configuredEndpoint) -> String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return "git+\(base)/spaces/\(owner)/\(space)"
    }
}
