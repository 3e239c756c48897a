/// A configuration file that cannot be used: one line naming the file, the line, the key path
/// and what is wrong, e.g. `tollgate.yaml:7: providers[0].base_url: 'api.x.com' is not an http(s) URL`.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let path: String
    public let problem: String

    public init(file: String, line: Int?, path: String, problem: String) {
        self.file = file
        self.line = line
        self.path = path
        self.problem = problem
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return path.isEmpty ? "\(location): \(problem)" : "\(location): \(path): \(problem)"
    }
}
