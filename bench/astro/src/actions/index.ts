// The cart actions of the example shop (examples/shop, handlers.go), written as
// Astro's session guide writes them.
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';

const products = new Set(['tee', 'mug', 'stickers']);
const maxPerProduct = 99;

type CartItem = { productId: string; quantity: number };

const count = (items: CartItem[]) => items.reduce((n, it) => n + it.quantity, 0);

export const server = {
	addToCart: defineAction({
		input: z.object({
			productId: z.string().min(1).max(64),
			quantity: z.number().int().min(1).max(99),
		}),
		handler: async (input, context) => {
			if (!products.has(input.productId)) {
				throw new ActionError({ code: 'BAD_REQUEST', message: 'No such product' });
			}
			const old: CartItem[] = (await context.session?.get('cartItems')) ?? [];
			let merged = false;
			const items = old.map((it) => {
				if (it.productId !== input.productId) return it;
				merged = true;
				const quantity = it.quantity + input.quantity;
				if (quantity > maxPerProduct) {
					throw new ActionError({ code: 'BAD_REQUEST', message: 'At most 99 of one product fit in the cart' });
				}
				return { ...it, quantity };
			});
			if (!merged) items.push({ productId: input.productId, quantity: input.quantity });
			context.session?.set('cartItems', items);
			return { cartSize: count(items) };
		},
	}),
	clearCart: defineAction({
		handler: async (_input, context) => {
			// Read first: Astro before 6.2.2 does not save a delete that is the
			// first change of a request.
			await context.session?.has('cartItems');
			context.session?.delete('cartItems');
			return { success: true };
		},
	}),
};
