import { cookies } from "next/headers";

/** The toy app login: a cookie naming the user. Your app has its own session instead. */
export const APP_USER_COOKIE = "app_user";
export const APP_USER = /^[A-Za-z0-9_-]{1,64}$/;

/** The signed-in user of the app, if any. */
export async function appUser(): Promise<string | undefined> {
  const value = (await cookies()).get(APP_USER_COOKIE)?.value;
  return value && APP_USER.test(value) ? value : undefined;
}
