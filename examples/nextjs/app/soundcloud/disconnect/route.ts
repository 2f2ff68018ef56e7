import { forAppUser } from "@/lib/respond";
import { soundgate } from "@/lib/soundgate";

// POST /soundcloud/disconnect: sign out at SoundCloud and forget the stored tokens.
export const POST = forAppUser(async (user) =>
  Response.json({ disconnected: await (await soundgate()).disconnect(user) }),
);
