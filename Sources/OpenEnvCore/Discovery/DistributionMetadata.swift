/// The header fields of a distribution's `METADATA` (or egg-info `PKG-INFO`) that discovery uses.
struct DistributionMetadata: Equatable {
    var name: String?
    var version: String?
    var summary: String?

    /// Reads the RFC 822 style header block, which ends at the first blank line.
    init(text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":"), line.first != " ", line.first != "\t" else { continue }
            let field = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingWhiteSpace()
            switch field {
            case "name" where name == nil: name = value
            case "version" where version == nil: version = value
            case "summary" where summary == nil: summary = value
            default: break
            }
        }
    }
}
