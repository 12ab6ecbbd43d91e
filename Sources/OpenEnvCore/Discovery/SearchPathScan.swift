/// What one search path folder holds, as far as discovery is concerned. The unit of caching:
/// a change in one folder rescans that folder only.
struct SearchPathScan: Sendable, Equatable {
    /// An examined distribution that matters: an environment, or one with warnings.
    struct Finding: Sendable, Equatable {
        /// The distribution's name in normal form.
        var distribution: String
        var environment: EnvironmentInfo?
        var warnings: [DiscoveryWarning]
    }

    /// The folder.
    var path: String
    /// The normal-form names of every distribution in the folder, in scan order; a name here
    /// hides the same name in later folders, as Python's import would.
    var distributions: [String]
    /// The distributions that matter, in scan order.
    var findings: [Finding]
    /// Problems with the folder's own files (`.pth`, editable finders).
    var warnings: [DiscoveryWarning]
    /// What the scan depends on: the folder, the files it read outside it.
    var fingerprint: Fingerprint
}

extension SearchPathScan {
    /// The form written to the on-disk cache.
    var json: JSONValue {
        [
            "path": .string(path),
            "watched": fingerprint.json,
            "distributions": .array(distributions.map(JSONValue.string)),
            "findings": .array(findings.map { finding in
                [
                    "distribution": .string(finding.distribution),
                    "environment": finding.environment?.json ?? .null,
                    "warnings": .array(finding.warnings.map(\.json)),
                ]
            }),
            "warnings": .array(warnings.map(\.json)),
        ]
    }

    /// Reads the form written by ``json``; nil when anything is missing or malformed.
    init?(json: JSONValue) {
        guard let path = json["path"]?.stringValue, let watched = json["watched"].flatMap(Fingerprint.init(json:)),
            let names = json["distributions"]?.arrayValue, let findings = json["findings"]?.arrayValue,
            let warnings = json["warnings"]?.arrayValue
        else { return nil }
        var decodedFindings: [Finding] = []
        for item in findings {
            guard let distribution = item["distribution"]?.stringValue, let itemWarnings = item["warnings"]?.arrayValue else { return nil }
            var environment: EnvironmentInfo?
            if let value = item["environment"], value != .null {
                guard let info = EnvironmentInfo(json: value) else { return nil }
                environment = info
            }
            decodedFindings.append(Finding(distribution: distribution, environment: environment,
                                           warnings: itemWarnings.compactMap(DiscoveryWarning.init(json:))))
        }
        self.init(path: path, distributions: names.compactMap(\.stringValue), findings: decodedFindings,
                  warnings: warnings.compactMap(DiscoveryWarning.init(json:)), fingerprint: watched)
    }
}
