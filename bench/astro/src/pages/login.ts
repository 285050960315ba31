// POST /login with the form field username: signs in a shopper as the example
// shop does for a name outside its user list (a new session ID, then who signed
// in and the preferences), and redirects to the dashboard.
import type { APIRoute } from 'astro';

export const prerender = false;

export const POST: APIRoute = async ({ request, session, redirect }) => {
	const form = await request.formData();
	const username = String(form.get('username') ?? '').trim();
	if (!username || username.length > 32) return new Response('Please enter a username.', { status: 400 });
	if (!session) return new Response('sessions are not configured', { status: 500 });
	await session.regenerate();
	const prefs = (await session.get('preferences')) ?? { theme: 'light', lang: 'en' };
	const id = 'guest-' + crypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '');
	session.set('userId', id);
	session.set('username', username);
	session.set('role', 'user');
	session.set('loginTime', new Date(Math.floor(Date.now())));
	session.set('preferences', prefs);
	return redirect('/dashboard', 303);
};
