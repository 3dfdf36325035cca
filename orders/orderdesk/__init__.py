"""The order desk: the order admin's work filters, its confirmed actions (each one service call),
the readable timeline and staff notes, carriers. `orders.admin.OrderAdmin` mixes these in; this app
imports orders (and, for the refund, orders.payments), never the reverse except that admin wiring."""
