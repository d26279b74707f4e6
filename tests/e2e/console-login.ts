/**
 * The real HQ console in Chromium, signed in: a 1440×900 zh-CN page in Asia/Shanghai with its clock
 * pinned at `at`, on the fleet page. (hq-alarms.spec.ts and hq-help.spec.ts sign in the same way.)
 */
import type { Browser, Page } from '@playwright/test';

export async function signedInConsole(browser: Browser, o: { url: string; user: { name: string; password: string }; at: number }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  await page.clock.setFixedTime(o.at);
  await page.goto(o.url);
  await page.locator('[data-field="username"]').fill(o.user.name);
  await page.locator('[data-field="password"]').fill(o.user.password);
  await page.locator('[data-action="login"]').click();
  await page.locator('[data-page="fleet"]').waitFor();
  return page;
}
