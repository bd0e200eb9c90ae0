import { afterEach, describe, expect, it } from "vitest";
import { createRecordingServer, type RecordingServer } from "../fixtures/http-servers.js";
import { BROWSER_HEADERS, startTestSimulator, T0, type TestSimulator } from "./control-harness.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let simulator: TestSimulator | undefined;
let receiver: RecordingServer | undefined;

afterEach(async () => {
  await simulator?.close();
  await receiver?.close();
  simulator = undefined;
  receiver = undefined;
});

async function startWithReceiver(): Promise<{
  simulator: TestSimulator;
  receiver: RecordingServer;
}> {
  simulator = await startTestSimulator();
  receiver = await createRecordingServer(200);
  simulator.sim.endpoints.register(receiver.url, ["click.recorded"], T0);
  return { simulator, receiver };
}

function slugOf(target: TestSimulator): string {
  return target.sim.workspace.links[0]?.slug as string;
}

async function recentClickIds(target: TestSimulator): Promise<string[]> {
  const response = await target.call(
    "GET",
    `/v1/analytics/workspaces/${target.sim.workspace.id}/clicks/recent?limit=1000`,
  );
  expect(response.status).toBe(200);
  return (response.body as { items: Array<{ click_id: string }> }).items.map(
    (item) => item.click_id,
  );
}

describe("GET /r/:slug", () => {
  it("redirects a browser and records a human click", async () => {
    const { simulator: target, receiver: recording } = await startWithReceiver();
    const link = target.sim.workspace.links[0];

    const response = await target.call(
      "GET",
      `/r/${slugOf(target)}?utm_source=news&utm_campaign=a%26b`,
      {
        key: null,
        headers: { ...BROWSER_HEADERS, referer: "https://www.example.org/post?id=3" },
      },
    );
    const clickId = response.headers["x-elido-click-id"] as string;
    await target.sim.scheduler.runUntil(T0 + 60_000);
    const recorded = target.sim.groundTruth.get(clickId);

    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(link?.destination);
    expect(clickId).toMatch(UUID_V4);
    expect(recorded?.bot).toBe(false);
    expect(recorded?.click).toMatchObject({
      link_id: link?.link_id,
      slug: link?.slug,
      occurred_at: "2026-05-15T09:00:00.000000Z",
      country_code: "DE",
      device: "desktop",
      browser: "Chrome",
      os: "macOS",
      referrer_host: "www.example.org",
      utm_source: "news",
      utm_medium: null,
      utm_campaign: "a&b",
      suspected_bot: false,
    });
    expect(recording.requests).toHaveLength(1);
    expect(JSON.parse(recording.requests[0]?.body ?? "{}").data.click_id).toBe(clickId);
    expect(await recentClickIds(target)).toEqual([clickId]);
  });

  it.each([
    ["curl", { "user-agent": "curl/8.5.0" }],
    ["an empty User-Agent", { "user-agent": "" }],
    ["no User-Agent", {}],
    [
      "Googlebot",
      { "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" },
    ],
    ["python-requests", { "user-agent": "python-requests/2.32.3" }],
    ["Slackbot", { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" }],
  ])("filters %s as a bot", async (_label, headers) => {
    const { simulator: target, receiver: recording } = await startWithReceiver();

    const response = await target.call("GET", `/r/${slugOf(target)}`, { key: null, headers });
    const clickId = response.headers["x-elido-click-id"] as string;
    await target.sim.scheduler.runUntil(T0 + 60_000);

    expect(response.status).toBe(302);
    expect(clickId).toMatch(UUID_V4);
    expect(target.sim.groundTruth.get(clickId)?.bot).toBe(true);
    expect(target.sim.groundTruth.humans()).toHaveLength(0);
    expect(recording.requests).toHaveLength(0);
    expect(await recentClickIds(target)).toEqual([]);
  });

  it("serves only the browser's click among browser and curl", async () => {
    const { simulator: target } = await startWithReceiver();

    const browser = await target.call("GET", `/r/${slugOf(target)}`, {
      key: null,
      headers: BROWSER_HEADERS,
    });
    await target.call("GET", `/r/${slugOf(target)}`, {
      key: null,
      headers: { "user-agent": "curl/8.5.0" },
    });
    await target.sim.scheduler.runUntil(T0 + 60_000);

    expect(target.sim.groundTruth.size).toBe(2);
    expect(await recentClickIds(target)).toEqual([browser.headers["x-elido-click-id"]]);
  });

  it.each([
    [
      "a headless browser",
      {
        "user-agent":
          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
        "accept-language": "en-US",
      },
    ],
    ["a missing Accept-Language", { "user-agent": BROWSER_HEADERS["user-agent"] as string }],
  ])("flags %s as suspected", async (_label, headers) => {
    const { simulator: target, receiver: recording } = await startWithReceiver();

    const response = await target.call("GET", `/r/${slugOf(target)}`, { key: null, headers });
    const clickId = response.headers["x-elido-click-id"] as string;
    await target.sim.scheduler.runUntil(T0 + 60_000);
    const recorded = target.sim.groundTruth.get(clickId);

    expect(response.status).toBe(302);
    expect(recorded?.bot).toBe(false);
    expect(recorded?.click.suspected_bot).toBe(true);
    expect(recording.requests).toHaveLength(1);
    expect(JSON.parse(recording.requests[0]?.body ?? "{}").data.suspected_bot).toBe(true);
    expect(await recentClickIds(target)).toEqual([clickId]);
  });

  it("flags a burst from one client address", async () => {
    simulator = await startTestSimulator();
    const flags: boolean[] = [];
    for (let index = 0; index < 12; index++) {
      const response = await simulator.call("GET", `/r/${slugOf(simulator)}`, {
        key: null,
        headers: { ...BROWSER_HEADERS, "x-forwarded-for": "198.51.100.7" },
      });
      const clickId = response.headers["x-elido-click-id"] as string;
      flags.push(simulator.sim.groundTruth.get(clickId)?.click.suspected_bot as boolean);
    }
    const other = await simulator.call("GET", `/r/${slugOf(simulator)}`, {
      key: null,
      headers: { ...BROWSER_HEADERS, "x-forwarded-for": "198.51.100.8" },
    });

    expect(flags).toEqual([...Array(10).fill(false), true, true]);
    expect(
      simulator.sim.groundTruth.get(other.headers["x-elido-click-id"] as string)?.click
        .suspected_bot,
    ).toBe(false);
  });

  it("forgets a burst after ten simulated seconds", async () => {
    simulator = await startTestSimulator();
    const headers = { ...BROWSER_HEADERS, "x-forwarded-for": "198.51.100.7" };
    for (let index = 0; index < 11; index++) {
      await simulator.call("GET", `/r/${slugOf(simulator)}`, { key: null, headers });
    }
    simulator.clock.setNow(T0 + 10_000);

    const response = await simulator.call("GET", `/r/${slugOf(simulator)}`, { key: null, headers });

    expect(
      simulator.sim.groundTruth.get(response.headers["x-elido-click-id"] as string)?.click
        .suspected_bot,
    ).toBe(false);
  });

  it("returns 404 for an unknown slug", async () => {
    simulator = await startTestSimulator();

    const response = await simulator.call("GET", "/r/no-such-link", {
      key: null,
      headers: BROWSER_HEADERS,
    });
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(404);
    expect(body.code).toBe("not_found");
    expect(body.error).toContain("no-such-link");
    expect(body.request_id).toBe(response.headers["x-request-id"]);
    expect(simulator.sim.groundTruth.size).toBe(0);
  });

  it("draws the same click ids from the same seed", async () => {
    const ids: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const target = await startTestSimulator({ seed: 42 });
      const runIds: string[] = [];
      for (let index = 0; index < 3; index++) {
        const response = await target.call("GET", `/r/${slugOf(target)}`, {
          key: null,
          headers: BROWSER_HEADERS,
        });
        runIds.push(response.headers["x-elido-click-id"] as string);
      }
      ids.push(runIds);
      await target.close();
    }

    expect(ids[0]).toEqual(ids[1]);
    expect(new Set(ids[0]).size).toBe(3);
  });
});
