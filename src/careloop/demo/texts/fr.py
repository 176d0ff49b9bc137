"""Ticket texts in French (France and Quebec)."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "Commande {order} toujours pas reçue",
                "Bonjour, j'ai passé la commande {order} il y a plus d'une semaine et le suivi "
                "{carrier} ({tracking}) ne bouge plus depuis des jours. J'en ai besoin pour un "
                "mariage le week-end prochain. Pouvez-vous me dire où en est mon colis ?",
                "delayed",
            ),
            C(
                "Colis bloqué en douane",
                "Bonjour, mon colis pour la commande {order} est indiqué « en attente de "
                "dédouanement » chez {carrier} depuis presque une semaine. Dois-je payer quelque "
                "chose ? Personne ne m'a contactée.",
                "customs",
            ),
            C(
                "Livré selon le suivi mais rien reçu",
                "Bonjour, le suivi {carrier} indique que mon colis ({tracking}) a été livré hier, "
                "mais je n'ai rien reçu, ni dans ma boîte aux lettres ni chez les voisins. "
                "Commande {order}. Que pouvez-vous faire ?",
                "delivered_not_received",
            ),
        ],
        "quality": [
            C(
                "Perruque qui perd énormément de cheveux",
                "Bonjour, j'ai reçu {product} la semaine dernière et elle perd énormément de "
                "cheveux. À chaque coup de peigne, j'en ai une poignée dans la main. Je ne l'ai "
                "lavée qu'une fois en suivant vos conseils. Commande {order}.",
                "shedding",
            ),
            C(
                "Cheveux emmêlés après un lavage",
                "Bonjour, les cheveux de {product} (commande {order}) s'emmêlent à la nuque depuis "
                "le premier lavage et deviennent secs. Pour ce prix, je m'attendais à mieux.",
                "tangling",
            ),
        ],
        "wrong_item": [
            C(
                "Mauvais article reçu",
                "Bonjour, j'ai commandé {product} mais j'ai reçu {other}. Commande {order}. "
                "Pouvez-vous m'envoyer le bon article rapidement ?",
                "wrong_item",
            ),
            C(
                "Longueur différente de ma commande",
                "Bonjour, pour la commande {order} j'ai payé {product} mais la longueur reçue "
                "n'est pas la bonne. L'étiquette du sachet ne correspond pas à ma commande.",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "Bonnet trop petit",
                "Bonjour, le bonnet de {product} est trop serré, j'ai mal à la tête au bout d'une "
                "heure. Avez-vous une taille L ou puis-je l'échanger ? Commande {order}.",
                "cap_size",
            ),
            C(
                "Couleur plus claire que sur les photos",
                "Bonjour, la couleur de {product} est beaucoup plus claire que sur votre site et "
                "ne correspond pas du tout à mes cheveux. Est-il possible de l'échanger ? "
                "Commande {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Remboursement toujours pas reçu",
                "Bonjour, j'ai renvoyé mon colis pour la commande {order} il y a deux semaines et "
                "je n'ai toujours pas été remboursée. Pouvez-vous vérifier ?",
                "refund_status",
            ),
            C(
                "Annulation de commande",
                "Bonjour, merci d'annuler la commande {order} et de me rembourser. J'ai trouvé ce "
                "qu'il me fallait ailleurs. Merci d'avance.",
                "cancellation",
            ),
        ],
        "not_as_described": [
            C(
                "Densité non conforme à l'annonce",
                "Bonjour, {product} est annoncée avec une densité de 180 % mais elle est très "
                "clairsemée, on voit le bonnet à travers. Ce n'est pas ce que j'ai payé. "
                "Commande {order}.",
                "density",
            ),
            C(
                "Ce n'est pas de la dentelle HD",
                "Bonjour, l'annonce parle de dentelle HD, mais celle de {product} est marron et se "
                "voit beaucoup sur ma peau. Commande {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Question sur les délais de livraison",
                "Bonjour, combien de temps faut-il pour être livrée chez moi et proposez-vous la "
                "livraison express ? Je voudrais commander {product} pour mon anniversaire.",
                "pre_sale",
            ),
            C(
                "Entretien de la perruque",
                "Bonjour, quel shampoing et quel après-shampoing conseillez-vous pour {product} ? "
                "Peut-on utiliser un lisseur ?",
                "care_advice",
            ),
        ],
    },
    first_replies={
        "logistics": "Bonjour {first},\n\nMerci pour votre message et toutes nos excuses pour "
        "l'attente. J'ai vérifié le suivi {carrier} {tracking} de la commande {order} et ouvert "
        "une enquête auprès du transporteur. Je reviens vers vous dès que j'ai leur réponse, en "
        "général sous 24 heures.",
        "quality": "Bonjour {first},\n\nToutes nos excuses pour ce désagrément. Pourriez-vous "
        "nous envoyer deux ou trois photos ou une courte vidéo des cheveux et de l'étiquette du "
        "sachet ? Dès réception, nous organisons un remplacement ou un remboursement de la "
        "commande {order}, selon votre préférence.",
        "wrong_item": "Bonjour {first},\n\nToutes nos excuses pour cette erreur. Le bon article "
        "({product}) part aujourd'hui pour la commande {order}, et vous recevrez par e-mail une "
        "étiquette de retour prépayée pour l'autre article.",
        "size_color": "Bonjour {first},\n\nMerci de nous avoir prévenus. Nous pouvons échanger "
        "{product} tant que les cheveux n'ont été ni coupés ni colorés. Je vous ai envoyé une "
        "étiquette de retour ; dites-moi quelle taille de bonnet ou quelle couleur vous "
        "souhaitez.",
        "refund": "Bonjour {first},\n\nJ'ai bien vu votre demande concernant la commande {order} "
        "et je l'ai transmise à notre service paiements. Vous recevrez une confirmation dès que "
        "le remboursement sera effectué.",
        "not_as_described": "Bonjour {first},\n\nMerci pour ces précisions. Nous regrettons que "
        "{product} ne corresponde pas à vos attentes. Pourriez-vous nous envoyer une photo à la "
        "lumière du jour ? Je transmets à notre équipe produit et reviens vers vous avec des "
        "solutions.",
        "other": "Bonjour {first},\n\nMerci pour votre question ! La livraison standard prend 3 à "
        "7 jours ouvrés, l'express 1 à 3 jours. Pour l'entretien, utilisez un shampoing sans "
        "sulfates et ne dépassez pas 180 °C. N'hésitez pas si vous avez d'autres questions.",
    },
    resolutions={
        "logistics": "Bonjour {first},\n\nBonne nouvelle : {carrier} confirme que votre colis est "
        "de nouveau en route et devrait arriver d'ici deux jours. Je clôture la demande, mais "
        "répondez simplement à ce message s'il n'arrive pas.",
        "quality": "Bonjour {first},\n\nMerci pour les photos. Nous vous avons intégralement "
        "remboursé {product} de la commande {order} ; le montant apparaîtra sous 5 à 10 jours "
        "ouvrés. Inutile de nous le renvoyer. Votre signalement a été transmis à notre équipe "
        "qualité.",
        "wrong_item": "Bonjour {first},\n\nD'après le suivi, le bon article ({product}) vous a "
        "été livré. Merci pour votre patience !",
        "size_color": "Bonjour {first},\n\nNous avons bien reçu votre retour et votre échange est "
        "en route.",
        "refund": "Bonjour {first},\n\nLe remboursement de la commande {order} a été effectué "
        "aujourd'hui. Selon votre banque, il apparaîtra sous 5 à 10 jours ouvrés.",
        "not_as_described": "Bonjour {first},\n\nEn geste commercial, nous vous avons remboursé "
        "30 % du prix de {product}. Si vous préférez la retourner, nous vous rembourserons "
        "intégralement.",
        "other": "Bonjour {first},\n\nRavis d'avoir pu vous aider. Belle journée !",
    },
    follow_ups=[
        "Avez-vous des nouvelles s'il vous plaît ?",
        "Bonjour, je n'ai toujours pas de réponse.",
        "Merci, voici les photos demandées.",
    ],
    thanks=["Merci beaucoup pour votre aide !", "Bien reçu, merci !"],
    signature="Bien cordialement,\n{agent}\nService client {brand}",
)
