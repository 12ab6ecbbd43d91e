/// The version of the openenv-swift engine.
public enum OpenEnvVersion {
    /// Semantic version of this build, `major.minor.patch`.
    public static let string = "0.1.0"
}
