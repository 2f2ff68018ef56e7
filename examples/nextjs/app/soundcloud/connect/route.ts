import { forAppUser } from "@/lib/respond";
import { soundgate } from "@/lib/soundgate";

// GET /soundcloud/connect: send the signed-in user to SoundCloud. The flow is bound to them.
export const GET = forAppUser(async (user) => {
  const { url } = await (await soundgate()).startConnection(user);
  return Response.redirect(url, 302);
});
