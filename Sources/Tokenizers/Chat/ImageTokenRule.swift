/// How a provider bills an image, from its documented formula.
public enum ImageTokenRule: Sendable, Hashable {
    /// OpenAI's tile formula: fit in 2048×2048, shortest side down to 768, then
    /// `base + perTile × tiles of 512×512`; `detail: low` costs `base` alone.
    case tiles(base: Int, perTile: Int)
    /// OpenAI's patch formula (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano): 32×32 patches,
    /// scaled down to at most 1536 patches, times a model multiplier (in thousandths).
    case patches(multiplierPermille: Int)
    /// Anthropic's: `width × height / 750` after fitting the long edge in 1568 pixels.
    case anthropic
    /// The provider has no documented formula here: images are refused.
    case unknown

    /// OpenAI's rule for a model, per its vision guide.
    public static func openAI(model: String) -> ImageTokenRule {
        let model = model.lowercased().split(separator: "/").last.map(String.init) ?? model.lowercased()
        let patchModels: [(String, Int)] = [
            ("gpt-4.1-mini", 1620), ("gpt-4.1-nano", 2460), ("o4-mini", 1720), ("gpt-5-mini", 1620), ("gpt-5-nano", 2460),
        ]
        if let (_, multiplier) = patchModels.first(where: { model.hasPrefix($0.0) }) { return .patches(multiplierPermille: multiplier) }
        if model.hasPrefix("gpt-4o-mini") { return .tiles(base: 2833, perTile: 5667) }
        if model.hasPrefix("gpt-5") { return .tiles(base: 70, perTile: 140) }
        if model.hasPrefix("o1") || model.hasPrefix("o3") { return .tiles(base: 75, perTile: 150) }
        if model.hasPrefix("computer-use") { return .tiles(base: 65, perTile: 129) }
        return .tiles(base: 85, perTile: 170)
    }

    /// The tokens of one image; `detail: auto` is billed as `high` (the most it can cost).
    public func tokens(for image: ImageInput) throws(TokenizerError) -> Int {
        if case .tiles(let base, _) = self, image.detail == .low { return base }
        if case .unknown = self { throw .unsupportedContent("images cannot be counted for this model") }
        guard let width = image.width, let height = image.height, width > 0, height > 0 else {
            throw .unsupportedContent("image size unknown: give width and height, or detail low")
        }
        var w = Double(width)
        var h = Double(height)
        switch self {
        case .tiles(let base, let perTile):
            if max(w, h) > 2048 { (w, h) = (w * 2048 / max(w, h), h * 2048 / max(w, h)) }
            if min(w, h) > 768 { (w, h) = (w * 768 / min(w, h), h * 768 / min(w, h)) }
            let tiles = Int((w / 512).rounded(.up)) * Int((h / 512).rounded(.up))
            return base + perTile * tiles
        case .patches(let multiplier):
            var patches = (w / 32).rounded(.up) * (h / 32).rounded(.up)
            if patches > 1536 {
                // Scale so the image fits 1536 patches, then shrink until whole patches fit.
                var scale = (1536 * 32 * 32 / (w * h)).squareRoot()
                scale *= min(((w * scale / 32).rounded(.down)) / (w * scale / 32), ((h * scale / 32).rounded(.down)) / (h * scale / 32))
                (w, h) = (w * scale, h * scale)
                patches = (w / 32).rounded(.up) * (h / 32).rounded(.up)
            }
            return (Int(patches) * multiplier + 999) / 1000
        case .anthropic:
            if max(w, h) > 1568 { (w, h) = (w * 1568 / max(w, h), h * 1568 / max(w, h)) }
            return Int((w * h / 750).rounded(.up))
        case .unknown:
            throw .unsupportedContent("images cannot be counted for this model")
        }
    }
}
