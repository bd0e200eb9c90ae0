/**
 * Decides whether to colour output: never with `NO_COLOR` set to anything non-empty
 * (https://no-color.org), never when the stream is not a terminal.
 */
export function useColor(stream: { isTTY?: boolean }): boolean {
  const noColor = process.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") {
    return false;
  }
  return stream.isTTY === true;
}
