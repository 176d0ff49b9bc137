"""Ticket texts in Spanish (customers in the United States)."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "¿Dónde está mi pedido {order}?",
                "Hola, hice el pedido {order} hace más de una semana y el rastreo de {carrier} "
                "({tracking}) no se actualiza desde hace días. Necesito la peluca para una boda "
                "el próximo fin de semana. ¿Me pueden decir dónde está?",
                "delayed",
            ),
            C(
                "Paquete retenido en aduana",
                "Hola, mi paquete del pedido {order} aparece como retenido en aduana en {carrier} "
                "desde hace casi una semana. ¿Tengo que pagar algo? Nadie me ha contactado.",
                "customs",
            ),
            C(
                "Dice entregado pero no recibí nada",
                "Hola, {carrier} dice que mi paquete ({tracking}) fue entregado ayer, pero no está "
                "en mi puerta ni con mis vecinos. Pedido {order}. ¿Qué pueden hacer?",
                "delivered_not_received",
            ),
        ],
        "quality": [
            C(
                "A la peluca se le cae mucho el pelo",
                "Hola, recibí la {product} la semana pasada y se le cae muchísimo el pelo. Cada "
                "vez que la peino me quedo con un puñado en la mano. Solo la he lavado una vez "
                "siguiendo sus instrucciones. Pedido {order}.",
                "shedding",
            ),
            C(
                "El pelo se enreda después de lavarlo",
                "Hola, el pelo de la {product} (pedido {order}) se enreda en la nuca desde el "
                "primer lavado y se siente reseco. Por este precio esperaba algo mejor.",
                "tangling",
            ),
        ],
        "wrong_item": [
            C(
                "Me llegó el artículo equivocado",
                "Hola, pedí la {product} pero en la caja venía {other}. Pedido {order}. Necesito "
                "el correcto lo antes posible, por favor.",
                "wrong_item",
            ),
            C(
                "Me llegó otro largo",
                "Hola, en el pedido {order} pagué la {product} y me llegó otro largo. La etiqueta "
                "de la bolsa no coincide con mi pedido.",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "La gorra me queda muy chica",
                "Hola, la gorra de la {product} me queda muy apretada, me da dolor de cabeza "
                "después de una hora. ¿Tienen talla grande o la puedo cambiar? Pedido {order}.",
                "cap_size",
            ),
            C(
                "El color es más claro que en las fotos",
                "Hola, el color de la {product} es mucho más claro que en su página y no combina "
                "con mi pelo. ¿La puedo cambiar? Pedido {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Todavía no recibo mi reembolso",
                "Hola, devolví el pedido {order} hace dos semanas y todavía no me han hecho el "
                "reembolso. ¿Pueden revisar, por favor?",
                "refund_status",
            ),
            C(
                "Quiero cancelar mi pedido",
                "Hola, por favor cancelen el pedido {order} y devuélvanme el dinero. Ya encontré "
                "lo que necesitaba. Gracias.",
                "cancellation",
            ),
        ],
        "not_as_described": [
            C(
                "La densidad no es la anunciada",
                "Hola, la {product} dice densidad 180 %, pero está muy rala, se ve la gorra a "
                "través del pelo. No es lo que pagué. Pedido {order}.",
                "density",
            ),
            C(
                "No es encaje HD",
                "Hola, el anuncio dice encaje HD, pero el de mi {product} es café y se nota mucho "
                "en mi piel. Pedido {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Pregunta sobre el envío",
                "Hola, ¿cuánto tarda el envío a mi zona y tienen envío exprés? Quiero pedir la "
                "{product} para mi cumpleaños.",
                "pre_sale",
            ),
            C(
                "¿Cómo cuido mi peluca?",
                "Hola, ¿qué champú y acondicionador recomiendan para la {product}? ¿Puedo usar "
                "plancha?",
                "care_advice",
            ),
        ],
    },
    first_replies={
        "logistics": "Hola, {first}:\n\nGracias por escribirnos y disculpe la espera. Revisé el "
        "rastreo {tracking} de {carrier} del pedido {order} y abrí una investigación con la "
        "paquetería. Le escribo en cuanto tenga respuesta, normalmente en 24 horas.",
        "quality": "Hola, {first}:\n\nLamentamos mucho lo sucedido. ¿Nos puede enviar dos o tres "
        "fotos o un video corto del pelo y de la etiqueta de la bolsa? Con eso le ofrecemos un "
        "reemplazo o el reembolso del pedido {order}, como prefiera.",
        "wrong_item": "Hola, {first}:\n\nDisculpe el error. Hoy enviamos la {product} correcta "
        "para el pedido {order}, y le llegará por correo una etiqueta de devolución prepagada "
        "para el otro artículo.",
        "size_color": "Hola, {first}:\n\nGracias por avisarnos. Podemos cambiar la {product} "
        "siempre que no se haya cortado ni teñido. Le envié una etiqueta de devolución; dígame "
        "qué talla de gorra o qué color prefiere.",
        "refund": "Hola, {first}:\n\nYa vi su solicitud del pedido {order} y la pasé a nuestro "
        "equipo de pagos. Le confirmaremos en cuanto se emita el reembolso.",
        "not_as_described": "Hola, {first}:\n\nGracias por los detalles, y lamentamos que la "
        "{product} no sea lo que esperaba. ¿Nos envía una foto con luz natural? Lo reviso con el "
        "equipo de producto y le escribo con opciones.",
        "other": "Hola, {first}:\n\n¡Gracias por su pregunta! El envío estándar tarda de 3 a 7 "
        "días hábiles y el exprés de 1 a 3. Para el cuidado, use champú sin sulfatos y no pase de "
        "180 °C. Aquí estamos para lo que necesite.",
    },
    resolutions={
        "logistics": "Hola, {first}:\n\nBuenas noticias: {carrier} confirmó que su paquete ya va "
        "en camino y debería llegar en dos días. Cierro el caso, pero si no llega, responda "
        "aquí.",
        "quality": "Hola, {first}:\n\nGracias por las fotos. Le reembolsamos el total de la "
        "{product} del pedido {order}; lo verá en 5 a 10 días hábiles. No necesita devolverla. "
        "Ya compartimos su reporte con nuestro equipo de calidad.",
        "wrong_item": "Hola, {first}:\n\nSegún el rastreo, la {product} correcta ya le llegó. "
        "¡Gracias por su paciencia!",
        "size_color": "Hola, {first}:\n\nRecibimos su devolución y el cambio ya va en camino.",
        "refund": "Hola, {first}:\n\nHoy se emitió el reembolso del pedido {order}. Según su "
        "banco, tarda de 5 a 10 días hábiles en reflejarse.",
        "not_as_described": "Hola, {first}:\n\nComo disculpa le reembolsamos el 30 % del precio "
        "de la {product}. Si prefiere devolverla, le reembolsamos el total.",
        "other": "Hola, {first}:\n\nCon mucho gusto. ¡Que tenga un excelente día!",
    },
    follow_ups=[
        "¿Hay alguna novedad?",
        "Hola, sigo esperando respuesta.",
        "Gracias, le mando las fotos que me pidió.",
    ],
    thanks=["¡Muchas gracias por su ayuda!", "Ya me llegó, gracias."],
    signature="Saludos,\n{agent}\nAtención al cliente de {brand}",
)
