/// The discovered environments, looked up by any spelling of their names.
public struct EnvironmentRegistry: Sendable {
    /// The environments, sorted by key.
    public let environments: [EnvironmentInfo]
    /// Packages discovery skipped or degraded.
    public let warnings: [DiscoveryWarning]

    /// A registry over a discovery result.
    public init(_ result: DiscoveryResult) {
        environments = result.environments
        warnings = result.warnings
    }

    /// The environment named `name` in any spelling: its key (`parrot`), full name
    /// (`parrot_env`, `Parrot-Env`), distribution name (`openenv-parrot_env`) or import name.
    public func environment(named name: String) throws(DiscoveryError) -> EnvironmentInfo {
        let trimmed = name.trimmingWhiteSpace()
        guard !trimmed.isEmpty else { throw .invalidName(name: name, reason: "the name is empty") }
        guard trimmed.count <= 256 else { throw .invalidName(name: String(trimmed.prefix(40)) + "...", reason: "longer than 256 characters") }
        let key = EnvironmentName.key(for: trimmed)
        if let match = environments.first(where: { $0.envKey == key }) { return match }
        let distribution = EnvironmentName.normalizedDistribution(trimmed)
        if let match = environments.first(where: {
            EnvironmentName.normalizedDistribution($0.package) == distribution || $0.importName == trimmed
        }) {
            return match
        }
        let keys = environments.map(\.envKey)
        throw .unknownEnvironment(name: trimmed, suggestions: Self.closeMatches(to: key, in: keys), available: keys)
    }

    /// Up to three names from `candidates` that look like `word`: similar by edit distance
    /// (similarity 0.6 or more, as difflib's default) or sharing a prefix, best first.
    static func closeMatches(to word: String, in candidates: [String]) -> [String] {
        let scored = candidates.compactMap { candidate -> (String, Double)? in
            let longest = max(word.count, candidate.count)
            guard longest > 0 else { return nil }
            var similarity = 1 - Double(editDistance(word, candidate)) / Double(longest)
            if word.count >= 3 && (candidate.hasPrefix(word) || word.hasPrefix(candidate)) { similarity = max(similarity, 0.6) }
            return similarity >= 0.6 ? (candidate, similarity) : nil
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0)
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
