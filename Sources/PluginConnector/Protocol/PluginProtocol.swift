/// The constants of the plug-in protocol (Plugins/PROTOCOL.md).
public enum PluginProtocol {
    /// The protocol version this Tandem speaks.
    public static let version = 1
    /// The longest line either side may write, without its newline (§ 3).
    public static let maximumLineBytes = 16 << 20
    /// How long a plug-in has to give its final reply after `cancel`, and to exit after end of file.
    static let cancellationGrace = Duration.seconds(5)
}
