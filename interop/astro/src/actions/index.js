// The interop app's action: addToCart as the shop example defines it (the same
// session key, cartItems, and the same shape, [{productId, quantity}], with the
// quantities of one product merged), written the way an Astro application
// writes it: read the cart, change it, set it back.
import { defineAction } from 'astro:actions';
import { z } from 'astro/zod';

export const server = {
	addToCart: defineAction({
		accept: 'json',
		input: z.object({ productId: z.string().min(1).max(64), quantity: z.number().int().min(1).max(99) }),
		handler: async ({ productId, quantity }, context) => {
			const cart = (await context.session.get('cartItems')) ?? [];
			const line = cart.find((l) => l.productId === productId);
			if (line) line.quantity += quantity;
			else cart.push({ productId, quantity });
			context.session.set('cartItems', cart);
			return { cartSize: cart.reduce((n, l) => n + l.quantity, 0) };
		},
	}),
};
