/// The human-readable listings printed by the CLI and by the Python binding's
/// `AutoEnv.list_environments()` / `AutoAction.list_actions()`, in the reference's layout.
public enum EnvironmentListing: String, Sendable, CaseIterable {
    /// Every environment with its description, version and package.
    case environments
    /// Every environment's action class and package.
    case actions

    /// The listing of `result`'s environments.
    public func text(for result: DiscoveryResult) -> String {
        let rule = String(repeating: "-", count: 70)
        var lines = [self == .environments ? "Available OpenEnv Environments:" : "Available Action Classes:", rule]
        if result.environments.isEmpty {
            lines.append("  No OpenEnv environments found.")
            lines.append("  Install environments with: pip install openenv-<env-name>")
        }
        for environment in result.environments {
            let key = environment.envKey.count >= 15 ? environment.envKey : environment.envKey + String(repeating: " ", count: 15 - environment.envKey.count)
            switch self {
            case .environments: lines.append("  \(key): \(environment.description) (v\(environment.version))")
            case .actions: lines.append("  \(key): \(environment.actionClass)")
            }
            lines.append("                   Package: \(environment.package)")
        }
        lines.append(rule)
        lines.append("Total: \(result.environments.count) \(self == .environments ? "environments" : "action classes")")
        return lines.joined(separator: "\n")
    }
}
