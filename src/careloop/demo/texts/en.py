"""Ticket texts in English."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "Where is my order {order}?",
                "Hi, I placed order {order} over a week ago and the {carrier} tracking "
                "({tracking}) hasn't updated for days. I need the wig for a wedding next weekend. "
                "Can you tell me where it is?",
                "delayed",
            ),
            C(
                "Parcel stuck in customs",
                "Hello, my parcel for order {order} has been showing 'held at customs' on "
                "{carrier} for almost a week. Do I have to pay something? Nobody has contacted me.",
                "customs",
            ),
            C(
                "Tracking says delivered but I have nothing",
                "Hi there, {carrier} says my package ({tracking}) was delivered yesterday but it's "
                "not at my door, not with my neighbours and not in the mailroom. Order {order}. "
                "What can you do?",
                "delivered_not_received",
            ),
            C(
                "Can you change my delivery address?",
                "Hi, I just realised I put my old address on order {order}. Can you send it to my "
                "new place instead? I'll reply with the address. Thanks!",
                "address_change",
            ),
        ],
        "quality": [
            C(
                "Wig shedding a lot",
                "Hello, I got my {product} last week and it's shedding so much. Every time I comb "
                "it I pull out a handful of hair, there's hair all over my bathroom. I've only "
                "washed it once, following your instructions. Order {order}.",
                "shedding",
            ),
            C(
                "Hair tangling and matting after one wash",
                "Hi, the {product} from order {order} started tangling at the nape after the "
                "first wash. It's matting underneath and feels dry. I paid a lot for this, I "
                "expected better.",
                "tangling",
            ),
            C(
                "Lace ripped on first install",
                "The lace on my {product} tore at the front when I was putting it on for the first "
                "time, and I was being careful. Order {order}. Can I get a replacement?",
                "lace_damage",
            ),
            C(
                "Strong smell from the hair",
                "Hi, my {product} arrived with a strong chemical smell that is still there after "
                "two washes. Is this normal? Order {order}.",
                "odour",
            ),
        ],
        "wrong_item": [
            C(
                "Wrong item in my package",
                "Hi, I ordered the {product} but the box had {other} inside. Order {order}. I need "
                "the right one as soon as possible please.",
                "wrong_item",
            ),
            C(
                "Received the wrong length",
                "Hello, order {order}: I paid for the {product} and received a different length. "
                "The label on the bag doesn't match my order. How do we fix this?",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "Cap too small",
                "Hi, the cap of the {product} is too tight for me, it gives me a headache after an "
                "hour. Do you have a large cap or can I exchange it? Order {order}.",
                "cap_size",
            ),
            C(
                "Colour much lighter than the photos",
                "Hello, the colour of my {product} is much lighter than on your website and on "
                "Instagram. It doesn't match my hair at all. Can I exchange it? Order {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Refund not received yet",
                "Hi, I sent back my return for order {order} two weeks ago and I still haven't "
                "received my refund. Can you check please?",
                "refund_status",
            ),
            C(
                "Please cancel and refund my order",
                "Hello, please cancel order {order} and refund me. I found what I needed locally. "
                "Thank you.",
                "cancellation",
            ),
            C(
                "Charged twice for my order",
                "Hi, my bank shows two charges for order {order}. Please refund the duplicate "
                "payment.",
                "double_charge",
            ),
        ],
        "not_as_described": [
            C(
                "Density is not 180% as advertised",
                "Hi, the {product} is described as 180% density but it's really thin, you can see "
                "the cap through the hair. This is not what I paid for. Order {order}.",
                "density",
            ),
            C(
                "Not HD lace",
                "Hello, the listing says HD lace, but the lace on my {product} is brown and very "
                "visible on my skin. Order {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Question about delivery times",
                "Hi, how long does delivery usually take to my area, and do you offer express "
                "shipping? I want to order the {product} for my birthday.",
                "pre_sale",
            ),
            C(
                "How do I care for my wig?",
                "Hi, what shampoo and conditioner do you recommend for the {product}? And can I "
                "use a flat iron on it?",
                "care_advice",
            ),
            C(
                "Wholesale prices for my salon",
                "Hello, I run a salon and we'd like to order bundles and closures every month. Do "
                "you have wholesale prices and a minimum order quantity?",
                "wholesale",
            ),
        ],
    },
    first_replies={
        "logistics": "Hi {first},\n\nThanks for reaching out, and sorry for the wait. I've "
        "checked {carrier} tracking {tracking} for order {order} and opened an inquiry with them. "
        "I'll update you as soon as I hear back, usually within 24 hours.",
        "quality": "Hi {first},\n\nI'm really sorry about this. Could you send us two or three "
        "photos or a short video of the hair and the label on the bag? Once we have them we'll "
        "arrange a replacement or a refund for order {order}, whichever you prefer.",
        "wrong_item": "Hi {first},\n\nI'm sorry we sent you the wrong item. I've arranged a "
        "replacement {product} for order {order} and it ships today; you'll receive a prepaid "
        "return label for the other item by e-mail.",
        "size_color": "Hi {first},\n\nThanks for letting us know. We can exchange the {product} "
        "as long as it hasn't been cut or coloured. I've e-mailed you a return label; just tell "
        "me which cap size or colour you'd like instead.",
        "refund": "Hi {first},\n\nI've checked order {order}: I can see your request and I've "
        "passed it to our payments team. You'll get a confirmation as soon as the refund is "
        "issued.",
        "not_as_described": "Hi {first},\n\nThank you for the details, and I'm sorry the "
        "{product} isn't what you expected. Could you send a photo in daylight? I'll take this up "
        "with our product team and come back to you with options.",
        "other": "Hi {first},\n\nThanks for your question! Standard delivery takes 3 to 7 working "
        "days and express 1 to 3. For care, use a sulphate-free shampoo and keep heat under "
        "180 °C. Let me know if there's anything else I can help with.",
    },
    resolutions={
        "logistics": "Hi {first},\n\nGood news: {carrier} has confirmed your parcel is moving "
        "again and should reach you within two days. I'll mark this as solved, but just reply "
        "here if it doesn't arrive.",
        "quality": "Hi {first},\n\nThank you for the photos. We've issued a full refund for the "
        "{product} on order {order}; you should see it within 5 to 10 working days. There's no "
        "need to send it back. We've also shared your report with our quality team.",
        "wrong_item": "Hi {first},\n\nTracking shows the correct {product} has been delivered. "
        "Thank you for your patience!",
        "size_color": "Hi {first},\n\nWe've received your return and your exchange is on its way.",
        "refund": "Hi {first},\n\nYour refund for order {order} was issued today. Depending on "
        "your bank, it takes 5 to 10 working days to appear.",
        "not_as_described": "Hi {first},\n\nWe've refunded 30% of the price of the {product} as "
        "a goodwill gesture. If you'd rather return it for a full refund, that's fine too.",
        "other": "Hi {first},\n\nGlad I could help. Have a lovely day!",
    },
    follow_ups=[
        "Any update on this please?",
        "Hello? I still haven't heard back.",
        "Thanks. I've attached the photos you asked for.",
        "OK, thank you. Please let me know as soon as you hear something.",
    ],
    thanks=["Thank you so much for your help!", "Received it, thanks a lot.", "Great, thank you."],
    signature="Best wishes,\n{agent}\n{brand} Customer Care",
)
