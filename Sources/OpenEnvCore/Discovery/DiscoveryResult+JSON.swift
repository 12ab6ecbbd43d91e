extension DiscoveryResult {
    /// `{"environments": [...], "warnings": [...]}` with every field of each environment.
    public var json: JSONValue {
        ["environments": .array(environments.map(\.json)), "warnings": .array(warnings.map(\.json))]
    }
}
