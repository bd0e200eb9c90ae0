import { describe, expect, it, vi } from "vitest";
import { CursorCodec, type CursorState } from "../../src/api/cursor.js";
import { RecentCursors } from "../../src/api/routes/recent-cursors.js";

const KEY = new Uint8Array(32).fill(7);

function stateAt(occurredAtUs: number): CursorState {
  return {
    workspaceId: 4123,
    fromUs: 1_000_000,
    toUs: 9_000_000_000,
    linkId: null,
    after: { occurredAtUs, clickId: new Uint8Array(16).fill(occurredAtUs % 256) },
  };
}

describe("RecentCursors", () => {
  it("decodes a cursor it issued without the codec", () => {
    const codec = new CursorCodec(KEY);
    const cursors = new RecentCursors(codec);
    const decode = vi.spyOn(codec, "decode");
    const text = cursors.encode(stateAt(5_000_000));

    expect(cursors.decode(text)).toEqual(stateAt(5_000_000));
    expect(decode).not.toHaveBeenCalled();
  });

  it("decodes a cursor issued by another instance", () => {
    const text = new RecentCursors(new CursorCodec(KEY)).encode(stateAt(5_000_000));

    expect(new RecentCursors(new CursorCodec(KEY)).decode(text)).toEqual(stateAt(5_000_000));
  });

  it("rejects a changed cursor", () => {
    const cursors = new RecentCursors(new CursorCodec(KEY));
    const text = cursors.encode(stateAt(5_000_000));
    const changed = `${text.slice(0, 10)}${text[10] === "A" ? "B" : "A"}${text.slice(11)}`;

    expect(cursors.decode(changed)).toBeUndefined();
  });

  it("forgets the oldest cursors past its bound", () => {
    const codec = new CursorCodec(KEY);
    const cursors = new RecentCursors(codec);
    const texts = Array.from({ length: 1_100 }, (_, index) => cursors.encode(stateAt(index)));
    const decode = vi.spyOn(codec, "decode");

    expect(cursors.decode(texts[1_099] as string)).toEqual(stateAt(1_099));
    expect(decode).not.toHaveBeenCalled();
    expect(cursors.decode(texts[0] as string)).toEqual(stateAt(0));
    expect(decode).toHaveBeenCalledTimes(1);
  });
});
