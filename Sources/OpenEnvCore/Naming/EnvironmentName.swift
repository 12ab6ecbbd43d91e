/// The spellings of an environment's name and the conventions OpenEnv derives from it.
///
/// Every spelling a user may type (`parrot`, `parrot-env`, `parrot_env`, `Parrot-Env`) folds to
/// one key, `parrot`. Unlike the reference, only a trailing `_env` is removed, so
/// `my_environment_env` keeps its key `my_environment`.
public enum EnvironmentName {
    /// The look-up key for any spelling: lower case, `-`, `.` and spaces as `_`, without a
    /// trailing `_env`.
    public static func key(for spelling: String) -> String {
        var folded = String(
            spelling.trimmingWhiteSpace().lowercased().map { character -> Character in
                character == "-" || character == "." || character == " " ? "_" : character
            })
        if folded.hasSuffix("_env") && folded.count > 4 {
            folded.removeLast(4)
        }
        return folded
    }

    /// The full environment name for a key: the key plus `_env` (`parrot` -> `parrot_env`).
    public static func fullName(forKey key: String) -> String {
        key + "_env"
    }

    /// A Python distribution name in PEP 503 normal form with `_`: lower case, runs of `-`,
    /// `_` and `.` as one `_` (`openenv-Parrot.Env` -> `openenv_parrot_env`).
    public static func normalizedDistribution(_ name: String) -> String {
        var result = ""
        var lastWasSeparator = false
        for character in name.trimmingWhiteSpace().lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !lastWasSeparator { result.append("_") }
                lastWasSeparator = true
            } else {
                result.append(character)
                lastWasSeparator = false
            }
        }
        return result
    }

    /// `PascalCase` of a key's `_`-separated words (`grid_world` -> `GridWorld`).
    public static func pascalCase(_ key: String) -> String {
        key.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The conventional client class for a key (`parrot` -> `ParrotEnv`).
    public static func conventionalClientClass(forKey key: String) -> String {
        pascalCase(key) + "Env"
    }

    /// The conventional action class for a key (`parrot` -> `ParrotAction`).
    public static func conventionalActionClass(forKey key: String) -> String {
        pascalCase(key) + "Action"
    }

    /// The conventional observation class for a key (`parrot` -> `ParrotObservation`).
    public static func conventionalObservationClass(forKey key: String) -> String {
        pascalCase(key) + "Observation"
    }

    /// The conventional Docker image for a full name (`parrot_env` -> `parrot-env:latest`).
    public static func defaultImage(forFullName name: String) -> String {
        name.replacingAll("_", with: "-") + ":latest"
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingWhiteSpace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }

    /// The string with every `target` character replaced.
    func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
