import { pool } from "~/db.server";
import { deviceClass } from "../../extensions/storelens-embed/src/capture-maths";
import {
  VIEWPORT_BANDS,
  bandIdSql,
  bandOf,
  bandsOfDevice,
  findBand,
} from "./viewport-bands";

describe("viewport bands", () => {
  it.each([
    [320, "0-359"],
    [359, "0-359"],
    [360, "360-399"],
    [375, "360-399"],
    [393, "360-399"],
    [414, "400-479"],
    [480, "480-749"],
    [750, "750-767"],
    [768, "768-989"],
    [990, "990-1023"],
    [1024, "1024-1279"],
    [1366, "1280-1439"],
    [1440, "1440-1919"],
    [1919, "1440-1919"],
    [1920, "1920+"],
    [5120, "1920+"],
  ])("puts %i px in %s", (width, id) => {
    expect(bandOf(width).id).toBe(id);
  });

  it("never mixes 375 px into 1440 px", () => {
    expect(bandOf(375).id).not.toBe(bandOf(1440).id);
  });

  it("matches the storefront's device classes", () => {
    for (let width = 1; width <= 3000; width++) {
      expect(bandOf(width).device).toBe(deviceClass(width));
    }
  });

  it("lists bands per device, narrowest first", () => {
    expect(bandsOfDevice("desktop").map((band) => band.id)).toEqual([
      "1024-1279",
      "1280-1439",
      "1440-1919",
      "1920+",
    ]);
    expect(bandsOfDevice("tablet").map((band) => band.id)).toEqual([
      "768-989",
      "990-1023",
    ]);
    expect(bandsOfDevice("mobile")).toHaveLength(5);
  });

  it("finds bands by id only", () => {
    expect(findBand("1280-1439")?.minWidth).toBe(1280);
    expect(findBand("1280")).toBeUndefined();
    expect(findBand(null)).toBeUndefined();
  });

  it("computes the same band in SQL", async () => {
    const widths = [0, 1, 359, 360, 399, 400, 767, 768, 1023, 1024, 1919, 1920];
    for (const band of VIEWPORT_BANDS) widths.push(band.minWidth);
    const result = await pool.query<{ width: number; band: string }>(
      `SELECT w AS width, ${bandIdSql("w")} AS band
       FROM unnest($1::int[]) AS w`,
      [widths],
    );
    for (const row of result.rows) {
      expect(row.band).toBe(bandOf(row.width).id);
    }
    expect(result.rows).toHaveLength(widths.length);
  });
});
