/// A node of a YAML document, aliases resolved.
indirect enum YAMLNode: Equatable {
    /// A scalar's text; `plain` when it was written without quotes or block style, the only
    /// scalars whose text can stand for a number, a boolean or null.
    case scalar(String, plain: Bool)
    case sequence([YAMLNode])
    case mapping([YAMLPair])

    /// The text of a scalar, nil for a collection.
    var text: String? {
        if case .scalar(let text, _) = self { return text }
        return nil
    }
}

/// A key and its value in a YAML mapping, in document order.
struct YAMLPair: Equatable {
    var key: YAMLNode
    var value: YAMLNode
}
