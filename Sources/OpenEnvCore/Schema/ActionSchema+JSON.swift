extension ActionSchema {
    /// `{"title", "description", "allows_unknown_fields", "fields": [{"name", "required",
    /// "description", "default"?}]}`: what a binding needs to build an action class.
    public var summaryJSON: JSONValue {
        let fieldList: [JSONValue] = fields.map { field in
            var object: JSONObject = ["name": .string(field.name), "required": .bool(field.required), "description": JSONValue(field.description)]
            if let value = field.defaultValue { object["default"] = value }
            return .object(object)
        }
        return ["title": .string(title), "description": JSONValue(description), "allows_unknown_fields": .bool(allowsUnknownFields),
                "fields": .array(fieldList)]
    }
}
