// A scripted shopper for replay benchmarks and demo recordings: browses the
// demo storefront the way a person would, with pauses, pointer moves,
// scrolling, typing and clicks. Returns the interactions performed.

import type { Page } from "playwright-core";

export type ShopperJourney = "browse-and-buy" | "rage-on-zoom" | "cart-note";

/** Moves the pointer in a few steps to an element, then clicks it. */
async function clickLike(page: Page, selector: string): Promise<void> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) {
    await page.locator(selector).first().click();
    return;
  }
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, {
    steps: 8,
  });
  await page.locator(selector).first().click();
}

async function scrollBy(page: Page, pixels: number, steps = 4): Promise<void> {
  for (let step = 0; step < steps; step++) {
    await page.mouse.wheel(0, pixels / steps);
    await page.waitForTimeout(150);
  }
}

/**
 * Plays one journey on the storefront at `storefrontUrl`. Consent is given
 * by the first URL. `pauseMs` is the think time between steps.
 */
export async function playShopper(
  page: Page,
  storefrontUrl: string,
  journey: ShopperJourney,
  pauseMs = 800,
): Promise<number> {
  let interactions = 0;
  const step = async (action: () => Promise<void>) => {
    await action();
    interactions++;
    await page.waitForTimeout(pauseMs);
  };

  await page.goto(`${storefrontUrl}/?consent=granted`);
  await step(() => scrollBy(page, 900));
  await step(() => page.mouse.move(300, 300, { steps: 10 }));
  await step(async () => {
    await page.locator("#newsletter-email").click();
    await page.keyboard.type("demo.shopper@example.com", { delay: 40 });
  });
  await step(() => scrollBy(page, -900));
  await page.goto(`${storefrontUrl}/products/linen-shirt`);
  await step(() => clickLike(page, 'label[for="color-sage"], #color-sage'));
  await step(() => clickLike(page, 'label[for="size-l"], #size-l'));
  if (journey === "rage-on-zoom") {
    for (let click = 0; click < 4; click++) {
      await page.locator("#gallery-main").click({
        position: { x: 120 + click * 2, y: 120 },
        delay: 10,
      });
      interactions++;
    }
    await page.waitForTimeout(3000);
  }
  await step(() => clickLike(page, "#quantity-plus"));
  await step(() => clickLike(page, "#add-to-cart"));
  await step(() => scrollBy(page, 1600, 6));
  await step(() => clickLike(page, "#reviews-more"));
  await page.goto(`${storefrontUrl}/cart`);
  if (journey === "cart-note") {
    await step(async () => {
      await page.locator("#cart-note").click();
      await page.keyboard.type("Please gift wrap", { delay: 40 });
    });
  }
  if (journey === "browse-and-buy")
    await step(() => clickLike(page, "#checkout"));
  await step(() => scrollBy(page, 400));
  return interactions;
}
