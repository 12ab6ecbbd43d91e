/// The header fields of a distribution's `METADATA` (or egg-info `PKG-INFO`) that discovery uses.
struct DistributionMetadata: Equatable {
    var name: String?
    var version: String?
    var summary: String?

    /// Reads the RFC 822 style header block, which ends at the first blank line. The long
    /// description after it (often tens of kilobytes) is never touched.
    init(text: String) {
        var rest = Substring(text)
        while !rest.isEmpty {
            let lineEnd = rest.utf8.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
            var line = rest[..<lineEnd]
            rest = lineEnd < rest.endIndex ? rest[rest.utf8.index(after: lineEnd)...] : ""
            if line.utf8.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { break }
            guard let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")), line.first != " ", line.first != "\t" else { continue }
            let value = { line[line.utf8.index(after: colon)...].trimmingWhiteSpace() }
            switch line[..<colon].lowercased() {
            case "name" where name == nil: name = value()
            case "version" where version == nil: version = value()
            case "summary" where summary == nil: summary = value()
            default: break
            }
        }
    }
}
