import { forAppUser } from "@/lib/respond";
import { soundgate } from "@/lib/soundgate";

// GET /soundcloud/me: any time later, call the API as this user (refresh handled).
export const GET = forAppUser(async (user) =>
  Response.json(await (await soundgate()).forUser(user).me()),
);
