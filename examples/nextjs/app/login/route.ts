import { NextResponse } from "next/server";
import { APP_USER, APP_USER_COOKIE } from "@/lib/app-user";
import { problem } from "@/lib/respond";

// GET /login?user=alice: the toy app login. Your app signs users in its own way.
export function GET(request: Request): Response {
  const user = new URL(request.url).searchParams.get("user") ?? "";
  if (!APP_USER.test(user)) return problem(400, "invalid_user", "?user=: 1-64 of A-Z a-z 0-9 _ -");
  const response = NextResponse.redirect(new URL("/", request.url), 303);
  response.cookies.set(APP_USER_COOKIE, user, { httpOnly: true, sameSite: "lax", path: "/" });
  return response;
}
