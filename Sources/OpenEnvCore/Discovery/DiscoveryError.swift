/// Why an environment could not be found.
public enum DiscoveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No installed environment answers to `name`.
    case unknownEnvironment(name: String, suggestions: [String], available: [String])
    /// The name is empty or cannot be an environment name.
    case invalidName(name: String, reason: String)

    public var description: String {
        switch self {
        case .unknownEnvironment(let name, let suggestions, let available):
            var message = "Unknown environment \(quoted(name))."
            if !suggestions.isEmpty { message += " Did you mean: \(suggestions.joined(separator: ", "))?" }
            if available.isEmpty {
                message += " No OpenEnv environments found on the search path."
            } else {
                message += " Available environments: \(available.joined(separator: ", "))."
            }
            message += " Install one with: pip install openenv-<name>, or give a Hugging Face Space as 'owner/name'."
            return message
        case .invalidName(let name, let reason):
            return "Invalid environment name \(quoted(name)): \(reason)."
        }
    }
}
