import { NextResponse } from "next/server";
import { forAppUser } from "@/lib/respond";
import { soundgate } from "@/lib/soundgate";

// GET /soundcloud/callback: SoundCloud sends the user back here (SOUNDCLOUD_REDIRECT_URI).
// The tokens are stored for this user only; a flow started by someone else is refused.
export const GET = forAppUser(async (user, request) => {
  await (await soundgate()).completeConnection(user, request.url);
  return NextResponse.redirect(new URL("/", request.url), 303);
});
