/// Why a Space's client code was not installed.
public enum HubInstallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No consent was given (or it was refused at the prompt).
    case consentRequired(repository: String, refused: Bool)
    /// The installer failed.
    case installFailed(command: String, status: Int32)
    /// The installer succeeded but nothing it installed is an OpenEnv environment.
    case noEnvironmentInstalled(repository: String, installed: [String])

    public var description: String {
        switch self {
        case .consentRequired(let repository, let refused):
            return "Installation cancelled: " + (refused ? "installation of \(repository) was refused at the prompt. " : "installing \(repository) runs code from the Hub on this machine and needs your consent. ")
                + "Pass trust_remote_code=True, or set OPENENV_TRUST_REMOTE_CODE=1, to allow it; or pass skip_install=True to use the Space without its client code"
        case .installFailed(let command, let status):
            return "Failed to install environment from HuggingFace Space: the installer failed (exit status \(status)): \(command). Its output is above; check that the Space exists and holds a Python package"
        case .noEnvironmentInstalled(let repository, let installed):
            return "installing \(repository) gave \(installed.isEmpty ? "no packages" : installed.joined(separator: ", ")), none of which is an OpenEnv environment"
        }
    }
}
